/**
 * A PR service client speaking BitBake's protocol (see server.ts); it talks to tsbake's
 * server and to bitbake-prserv alike. Requests on one connection are answered in order.
 */
import { connect, type Socket } from 'node:net';
import { PrservConnectionError } from './errors.js';
import type { ExportMeta, PrRow } from './store.js';
import { frameMessage, LineReader } from './wire.js';

/** `host:port` or `[v6]:port`, as BitBake's parse_address reads it. */
export function parseAddress(address: string): { host: string; port: number } {
  const m = /^\[([^\]]*)\]:(\d+)$/.exec(address) ?? /^([^:]+):(\d+)$/.exec(address);
  if (!m) throw new PrservConnectionError(`PR service address ${JSON.stringify(address)} is not host:port`);
  return { host: m[1] ?? '', port: Number(m[2]) };
}

export class PrClient {
  readonly address: string;
  readonly #socket: Socket;
  readonly #reader: LineReader;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(address: string, socket: Socket) {
    this.address = address;
    this.#socket = socket;
    this.#reader = new LineReader(socket);
  }

  static connect(address: string, timeoutMs = 30_000): Promise<PrClient> {
    const { host, port } = parseAddress(address);
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      const fail = (e: Error): void => {
        socket.destroy();
        reject(new PrservConnectionError(`cannot connect to the PR service at ${address}: ${e.message}`));
      };
      socket.setTimeout(timeoutMs, () => fail(new Error('timed out')));
      socket.once('error', fail);
      socket.once('connect', () => {
        socket.off('error', fail);
        socket.setTimeout(0);
        socket.setNoDelay(true);
        socket.on('error', () => undefined);
        socket.write('PRSERVICE 1.0\nneeds-headers: false\n\n');
        resolve(new PrClient(address, socket));
      });
    });
  }

  /** Sends one request and waits for its response (requests queue behind each other). */
  invoke(msg: unknown): Promise<unknown> {
    const run = async (): Promise<unknown> => {
      if (this.#socket.destroyed) throw new PrservConnectionError(`the PR service at ${this.address} closed the connection`);
      this.#socket.write(frameMessage(msg));
      let response: { readonly value: unknown } | null;
      try {
        response = await this.#reader.readMessage();
      } catch (e) {
        throw new PrservConnectionError(`the PR service at ${this.address} failed: ${(e as Error).message}`);
      }
      if (response === null) throw new PrservConnectionError(`the PR service at ${this.address} closed the connection`);
      return response.value;
    };
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  async #value(key: string, body: Record<string, unknown>): Promise<unknown> {
    const r = await this.invoke({ [key]: body });
    return typeof r === 'object' && r !== null && 'value' in r ? r.value : undefined;
  }

  async getPr(version: string, pkgarch: string, checksum: string, history = false): Promise<string> {
    const v = await this.#value('get-pr', { version, pkgarch, checksum, history });
    if (typeof v !== 'string') throw new PrservConnectionError(`the PR service at ${this.address} returned no value for ${version} ${pkgarch}`);
    return v;
  }

  async testPr(version: string, pkgarch: string, checksum: string, history = false): Promise<string | undefined> {
    const v = await this.#value('test-pr', { version, pkgarch, checksum, history });
    return typeof v === 'string' ? v : undefined;
  }

  async testPackage(version: string, pkgarch: string): Promise<boolean> {
    return (await this.#value('test-package', { version, pkgarch })) === true;
  }

  async maxPackagePr(version: string, pkgarch: string): Promise<string | undefined> {
    const v = await this.#value('max-package-pr', { version, pkgarch });
    return typeof v === 'string' ? v : undefined;
  }

  async importOne(version: string, pkgarch: string, checksum: string, value: string): Promise<string | undefined> {
    const v = await this.#value('import-one', { version, pkgarch, checksum, value });
    return typeof v === 'string' ? v : undefined;
  }

  async export(filter: { version?: string; pkgarch?: string; checksum?: string }, colinfo: boolean, history: boolean): Promise<{ metainfo: ExportMeta | undefined; datainfo: PrRow[] }> {
    const r = await this.invoke({ export: { version: filter.version ?? null, pkgarch: filter.pkgarch ?? null, checksum: filter.checksum ?? null, colinfo, history } });
    if (typeof r !== 'object' || r === null || !('datainfo' in r) || !Array.isArray(r.datainfo)) return { metainfo: undefined, datainfo: [] };
    const meta = 'metainfo' in r && typeof r.metainfo === 'object' && r.metainfo !== null && 'tbl_name' in r.metainfo ? (r.metainfo as ExportMeta) : undefined;
    return { metainfo: meta, datainfo: r.datainfo as PrRow[] };
  }

  async isReadonly(): Promise<boolean> {
    const r = await this.invoke({ 'is-readonly': {} });
    return typeof r === 'object' && r !== null && 'readonly' in r && r.readonly === true;
  }

  async ping(): Promise<boolean> {
    const r = await this.invoke({ ping: {} });
    return typeof r === 'object' && r !== null && 'alive' in r && r.alive === true;
  }

  close(): void {
    this.#socket.end();
    this.#socket.destroy();
  }
}
