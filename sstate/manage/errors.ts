import { TsbakeError } from '../../engine/core/errors.js';

/** The cache or a stamps directory is missing, not a directory, or cannot be read (exit 2). */
export class SstateDirError extends TsbakeError {
  readonly code = 'E_SSTATE_DIR';
}

/** Ctrl-C or SIGTERM arrived; files already removed stay removed. */
export class InterruptedError extends TsbakeError {
  readonly code = 'E_INTERRUPTED';
}
