/**
 * The PR service as a build uses it (PRSERV_HOST): unset means none; `localhost:0` starts a
 * private server on the build's own database (${PERSISTENT_DIR}/prserv.sqlite3) and stops it
 * afterwards; `host:port` uses a shared one. `prAuto` gives PRAUTO for one package output:
 * the same checksum keeps its value, a new one gets the next.
 */
import { join } from 'node:path';
import { PrClient } from './client.js';
import { PrservConnectionError, PrservError } from './errors.js';
import { startPrServer } from './server.js';
import { PrStore } from './store.js';

export interface PrService {
  /** The PRSERV_HOST setting it came from, for error messages. */
  readonly setting: string;
  readonly address: string;
  stop(): Promise<void>;
}

const isPrivate = (host: string, port: string): boolean => (host === 'localhost' || host === '127.0.0.1') && port === '0';

function wrap(setting: string, e: unknown): Error {
  const why = e instanceof Error ? e.message : String(e);
  return new PrservConnectionError(`PR service PRSERV_HOST = "${setting}" is not available: ${why}`, undefined, 'start it, fix PRSERV_HOST, or unset PRSERV_HOST to build without a PR service');
}

/** Starts or checks the PR service PRSERV_HOST names; undefined when it is unset. */
export async function openPrService(prservHost: string | undefined, persistentDir: string): Promise<PrService | undefined> {
  const setting = (prservHost ?? '').trim();
  if (setting === '') return undefined;
  const parts = setting.split(':');
  if (parts.length !== 2 || !parts[0] || !/^\d+$/.test(parts[1] ?? '')) {
    throw new PrservError(`PRSERV_HOST = "${setting}" is not <hostname>:<port>`, undefined, 'for example PRSERV_HOST = "localhost:0"');
  }
  if (isPrivate(parts[0].toLowerCase(), parts[1] ?? '')) {
    const store = new PrStore(join(persistentDir, 'prserv.sqlite3'));
    const server = await startPrServer('127.0.0.1', 0, { store });
    return {
      setting,
      address: server.address,
      stop: async () => {
        await server.close();
        store.close();
      },
    };
  }
  try {
    const client = await PrClient.connect(setting);
    try {
      await client.ping();
    } finally {
      client.close();
    }
  } catch (e) {
    throw wrap(setting, e);
  }
  return { setting, address: setting, stop: () => Promise.resolve() };
}

export interface PrAutoKey {
  /** PRAUTOINX: the package's `PN-PV`. */
  readonly version: string;
  readonly pkgarch: string;
  /** do_package's task hash (oe-core: its unihash). */
  readonly checksum: string;
}

/** PRAUTO for `key` from `service`; a failure names PRSERV_HOST. */
export async function prAuto(service: PrService, key: PrAutoKey): Promise<string> {
  let client: PrClient | undefined;
  try {
    client = await PrClient.connect(service.address);
    return await client.getPr(key.version, key.pkgarch, key.checksum);
  } catch (e) {
    throw wrap(service.setting, e);
  } finally {
    client?.close();
  }
}

/**
 * PKGR for a package output: `${PR}.${PRAUTO}` (oe-core's EXTENDPRAUTO) with a PR service,
 * plain PR without one. do_package calls this with its task hash as the checksum.
 */
export async function packageRevision(service: PrService | undefined, pr: string, key: PrAutoKey): Promise<string> {
  return service ? `${pr}.${await prAuto(service, key)}` : pr;
}
