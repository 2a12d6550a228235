/** Errors of the PR service and its clients. */
import { TsbakeError } from '../core/errors.js';

export class PrservError extends TsbakeError {
  readonly code = 'E_PRSERV';
}

/** The server could not be reached or broke the connection; names PRSERV_HOST when it came from there. */
export class PrservConnectionError extends TsbakeError {
  readonly code = 'E_PRSERV_CONNECTION';
}
