/**
 * Builds the metadata session a command works on: build directory, environment, python host.
 */
import { PythonError } from '../core/errors.js';
import { InlinePythonHost } from '../metadata/inline-python/host.js';
import type { PythonHost } from '../metadata/python-bridge.js';
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

export function openSession(req: SessionRequest): MetadataSession {
  const python = new InlinePythonHost(new NoWorker());
  return MetadataSession.open({ cwd: req.cwd, env: req.env, storeEnv: { python, tracking: req.tracking ?? false } });
}
