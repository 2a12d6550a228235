/** Errors of the feed indexer and server. */
import { TsbakeError } from '../core/errors.js';

/** A package file in a feed directory that cannot be read as its format says. */
export class PackageReadError extends TsbakeError {
  readonly code = 'E_PACKAGE_READ';
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`cannot index ${file}: ${reason}`, { file, line: 0 });
  }
}

/** A feed could not be written or signed. */
export class FeedError extends TsbakeError {
  readonly code = 'E_FEED';
}
