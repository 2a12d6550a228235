/**
 * Builds the metadata session a command works on: build directory, environment, python host.
 */
import { checksumFileList } from '../fetch/file.js';
import { autorev, hashValue } from '../fetch/srcrev.js';
import { InlinePythonHost } from '../metadata/inline-python/host.js';
import { PythonWorker, type PythonLogLevel } from '../metadata/python/worker-client.js';
import type { SessionOpener } from '../metadata/parse-pool.js';
import { MetadataSession } from '../metadata/session.js';
import { taskBasehashes } from '../../sstate/signature/basehash.js';

export interface SessionRequest {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly tracking?: boolean;
}

const LOG_PREFIX: Readonly<Record<PythonLogLevel, string>> = { debug: 'DEBUG: ', note: 'NOTE: ', plain: '', warn: 'WARNING: ', error: 'ERROR: ', fatal: 'ERROR: ' };

/** Messages metadata Python printed so far (a configuration parse that printed one is not snapshotted). */
let printed = 0;

/** bb.note/warn/error from metadata Python go to stderr, like BitBake's console log. */
function logToStderr(level: PythonLogLevel, message: string): void {
  if (level === 'debug') return;
  printed++;
  process.stderr.write(`${LOG_PREFIX[level]}${message}\n`);
}

/** TSBAKE_PYTHON_TIMEOUT: seconds metadata Python may go without a sign of life (default 300; 0: no limit). */
export function pythonTimeout(env: NodeJS.ProcessEnv): number {
  const n = Number(env['TSBAKE_PYTHON_TIMEOUT'] ?? '300');
  return Number.isFinite(n) && n >= 0 ? n : 300;
}

/** What each session was opened with, so parse worker threads can open an identical one. */
const requests = new WeakMap<MetadataSession, SessionRequest>();

/** BitBake library functions evaluated in TypeScript (the fetcher's: do_fetch[file-checksums], revisions). */
const FAST_FUNCTIONS = new Map([
  ['bb.fetch.get_checksum_file_list', checksumFileList],
  ['bb.fetch2.get_checksum_file_list', checksumFileList],
  ['bb.fetch.get_hashvalue', hashValue],
  ['bb.fetch2.get_hashvalue', hashValue],
  ['bb.fetch.get_autorev', autorev],
  ['bb.fetch2.get_autorev', autorev],
]);

export function openSession(req: SessionRequest): MetadataSession {
  const interpreter = req.env['TSBAKE_PYTHON'] ?? 'python3';
  const python = new InlinePythonHost(new PythonWorker({ onLog: logToStderr, env: req.env, python: interpreter, timeout: pythonTimeout(req.env) }), FAST_FUNCTIONS);
  const before = printed;
  const snapshot = { key: [interpreter], quiet: () => printed === before };
  const session = MetadataSession.open({ cwd: req.cwd, env: req.env, storeEnv: { python, tracking: req.tracking ?? false }, signer: taskBasehashes, snapshot });
  requests.set(session, req);
  return session;
}

/** The request `session` was opened with (undefined for a session made elsewhere). */
export function sessionRequest(session: MetadataSession): SessionRequest | undefined {
  return requests.get(session);
}

/**
 * How a parse worker thread opens a session like `session`: by calling this module's
 * openSession with the same request, so it gets the same python host and environment.
 */
export function sessionOpener(session: MetadataSession): SessionOpener | undefined {
  const req = requests.get(session);
  if (!req) return undefined;
  // process.env is not structured-cloneable; a plain copy is.
  const request: SessionRequest = { cwd: req.cwd, env: { ...req.env }, tracking: req.tracking ?? false };
  return { module: import.meta.url, exportName: 'openSession', request };
}
