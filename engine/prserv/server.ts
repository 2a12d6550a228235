/**
 * The PR service, speaking BitBake's PR protocol over TCP: the client sends
 * `PRSERVICE 1.0`, header lines and an empty line, then JSON requests, each answered by one
 * JSON response. Requests and revision rules (upstream servers and their `x.y` values
 * included) are BitBake 2.19's, so bitbake-prserv clients and servers interoperate with it.
 * A connection that breaks the protocol is closed; the others keep being served.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { PrClient } from './client.js';
import { increaseRevision, revisionSmaller } from './revision.js';
import type { PrStore } from './store.js';
import { DEFAULT_LIMITS, frameMessage, LineReader, ProtocolError, type WireLimits } from './wire.js';

export const PROTOCOL = 'PRSERVICE';

export interface PrServerOptions {
  readonly store: PrStore;
  /** `host:port` of an upstream PR service. */
  readonly upstream?: string;
  readonly log?: (line: string) => void;
  readonly limits?: WireLimits;
}

type Request = Readonly<Record<string, unknown>>;

function field(req: Request, name: string): string {
  const v = req[name];
  if (typeof v !== 'string') throw new ProtocolError(`request field ${name} must be a string`);
  return v;
}

const optional = (req: Request, name: string): string | null => (typeof req[name] === 'string' ? (req[name] as string) : null);

/** One client connection: its lazily opened upstream client and its request handlers. */
class Session {
  #upstream: PrClient | undefined;
  constructor(readonly opts: PrServerOptions) {}

  async upstream(): Promise<PrClient | undefined> {
    if (this.opts.upstream === undefined) return undefined;
    this.#upstream ??= await PrClient.connect(this.opts.upstream);
    return this.#upstream;
  }

  close(): void {
    this.#upstream?.close();
  }

  async dispatch(msg: unknown): Promise<unknown> {
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) throw new ProtocolError('a request must be a JSON object');
    const m = msg as Request;
    const store = this.opts.store;
    const req = (key: string): Request => {
      const r = m[key];
      if (typeof r !== 'object' || r === null) throw new ProtocolError(`${key} needs an object`);
      return r as Request;
    };
    if ('ping' in m) return { alive: true };
    if ('get-pr' in m) return { value: await this.getPr(req('get-pr')) };
    if ('test-pr' in m) {
      const r = req('test-pr');
      return { value: store.findValue(field(r, 'version'), field(r, 'pkgarch'), field(r, 'checksum'), r['history'] === true) ?? null };
    }
    if ('test-package' in m) {
      const r = req('test-package');
      return { value: store.testPackage(field(r, 'version'), field(r, 'pkgarch')) };
    }
    if ('max-package-pr' in m) {
      const r = req('max-package-pr');
      return { value: store.findPackageMax(field(r, 'version'), field(r, 'pkgarch')) ?? null };
    }
    if ('import-one' in m) {
      const r = req('import-one');
      if (store.readOnly) return null;
      const value = field(r, 'value');
      store.storeValue(field(r, 'version'), field(r, 'pkgarch'), field(r, 'checksum'), value);
      return { value };
    }
    if ('export' in m) {
      const r = req('export');
      const history = r['history'] === true;
      const datainfo = store.export({ version: optional(r, 'version'), pkgarch: optional(r, 'pkgarch'), checksum: optional(r, 'checksum') }, history);
      return { metainfo: r['colinfo'] ? store.columns() : {}, datainfo };
    }
    if ('is-readonly' in m) return { readonly: store.readOnly };
    throw new ProtocolError(`unrecognized command ${JSON.stringify(Object.keys(m))}`);
  }

  /** get-pr as BitBake decides it, consulting the upstream server when there is one. */
  async getPr(r: Request): Promise<string> {
    const store = this.opts.store;
    const [version, pkgarch, checksum] = [field(r, 'version'), field(r, 'pkgarch'), field(r, 'checksum')];
    const history = r['history'] === true;
    const up = await this.upstream();
    if (!up) return store.getValue(version, pkgarch, checksum, history);
    const known = store.findValue(version, pkgarch, checksum, history);
    const upstreamMax = await up.maxPackagePr(version, pkgarch);
    if (known !== undefined) {
      if (history) return store.getValue(version, pkgarch, checksum, history);
      let value = known;
      const localMax = store.findPackageMax(version, pkgarch);
      if (localMax !== undefined && revisionSmaller(value, localMax)) value = increaseRevision(localMax);
      if (upstreamMax !== undefined && revisionSmaller(value, upstreamMax)) {
        value = (await up.testPr(version, pkgarch, checksum)) === undefined ? `${upstreamMax}.0` : upstreamMax;
      }
      if (value !== known) store.storeValue(version, pkgarch, checksum, value);
      return value;
    }
    if (!(await up.testPackage(version, pkgarch))) return store.getValue(version, pkgarch, checksum, history);
    const upstreamValue = await up.testPr(version, pkgarch, checksum);
    if (upstreamValue !== undefined) {
      store.storeValue(version, pkgarch, checksum, upstreamValue);
      return upstreamValue;
    }
    const base = (await up.maxPackagePr(version, pkgarch)) ?? '0';
    const sub = store.findNewSubvalue(version, pkgarch, base);
    store.storeValue(version, pkgarch, checksum, sub);
    return sub;
  }
}

async function serveConnection(socket: Socket, opts: PrServerOptions): Promise<void> {
  const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
  const log = opts.log ?? (() => undefined);
  const reader = new LineReader(socket, opts.limits ?? DEFAULT_LIMITS);
  const session = new Session(opts);
  try {
    const greeting = await reader.readLine();
    if (greeting === null) return;
    const [name, version, ...extra] = greeting.split(/\s+/);
    if (name !== PROTOCOL || extra.length > 0 || version?.split('.').map(Number).join('.') !== '1.0') {
      throw new ProtocolError(`bad greeting ${JSON.stringify(greeting.slice(0, 80))}`);
    }
    let needsHeaders = false;
    for (let header = await reader.readLine(); header !== ''; header = await reader.readLine()) {
      if (header === null) return;
      const colon = header.indexOf(':');
      if (colon < 0) throw new ProtocolError(`bad header ${JSON.stringify(header.slice(0, 80))}`);
      if (header.slice(0, colon).trim().toLowerCase() === 'needs-headers') needsHeaders = header.slice(colon + 1).trim() === 'true';
    }
    if (needsHeaders) socket.write('\n');
    for (;;) {
      const msg = await reader.readMessage();
      if (msg === null || msg.value === null) break;
      const response = await session.dispatch(msg.value);
      if (socket.destroyed) break;
      socket.write(frameMessage(response));
    }
  } catch (e) {
    log(`client ${peer}: ${(e as Error).message}; connection closed`);
  } finally {
    session.close();
    socket.destroy();
  }
}

export interface RunningPrServer {
  readonly server: Server;
  /** `host:port` as clients name it. */
  readonly address: string;
  close(): Promise<void>;
}

export function startPrServer(host: string, port: number, opts: PrServerOptions): Promise<RunningPrServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    void serveConnection(socket, opts);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const a = server.address() as AddressInfo;
      resolve({
        server,
        address: a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`,
        close: () =>
          new Promise((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
