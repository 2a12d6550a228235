import { statSync } from 'node:fs';
import { TsbakeError } from '../../engine/core/errors.js';

/** The cache or a stamps directory is missing, not a directory, or cannot be read (exit 2). */
export class SstateDirError extends TsbakeError {
  readonly code = 'E_SSTATE_DIR';
}

/** Ctrl-C or SIGTERM arrived; files already removed stay removed. */
export class InterruptedError extends TsbakeError {
  readonly code = 'E_INTERRUPTED';
}

/** Checks that `path` is a readable directory; `what` names it in the error ("the sstate cache"). */
export function requireDirectory(path: string, what: string, hint: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    throw new SstateDirError(`cannot read ${what} ${path}: ${e instanceof Error ? e.message : String(e)}`, undefined, hint);
  }
  if (!isDir) throw new SstateDirError(`${what} ${path} is not a directory`, undefined, hint);
}
