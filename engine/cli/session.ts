/**
 * Builds the metadata session a command works on: build directory, environment, python host.
 */
import { PythonError } from '../core/errors.js';
import { InlinePythonHost } from '../metadata/inline-python/host.js';
import type { PythonHost } from '../metadata/python-bridge.js';
import type { SessionOpener } from '../metadata/parse-pool.js';
import { MetadataSession } from '../metadata/session.js';

export interface SessionRequest {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly tracking?: boolean;
}

class NoWorker implements PythonHost {
  evaluate(code: string): never {
    throw new PythonError(`python3 worker not available for: ${code}`, 'RuntimeError');
  }
  define(): void {}
  addPyLib(): void {}
  exec(): void {
    throw new PythonError('python3 worker not available', 'RuntimeError');
  }
}

/** What each session was opened with, so parse worker threads can open an identical one. */
const requests = new WeakMap<MetadataSession, SessionRequest>();

export function openSession(req: SessionRequest): MetadataSession {
  const python = new InlinePythonHost(new NoWorker());
  const session = MetadataSession.open({ cwd: req.cwd, env: req.env, storeEnv: { python, tracking: req.tracking ?? false } });
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
