/**
 * The fetcher's failures. Each names the URL (and the file or member) it is about; the hint
 * says what to change. They fail do_fetch/do_unpack/do_patch, whose log shows them.
 */
import { TsbakeError } from '../core/errors.js';

/** A download that failed everywhere it was tried, or a SRC_URI entry that cannot work. */
export class FetchError extends TsbakeError {
  readonly code = 'E_FETCH';
}

/** BB_NO_NETWORK or BB_ALLOWED_NETWORKS refused a network access. */
export class NetworkAccessError extends TsbakeError {
  readonly code = 'E_FETCH_NETWORK';
}

/** A download whose checksum differs from SRC_URI's, or a SRC_URI with none. */
export class ChecksumError extends TsbakeError {
  readonly code = 'E_FETCH_CHECKSUM';
}

/** An archive member that would land outside the unpack directory. */
export class UnsafeMemberError extends TsbakeError {
  readonly code = 'E_UNPACK_UNSAFE';
  constructor(
    readonly archive: string,
    readonly member: string,
    readonly reason: string,
  ) {
    super(`${archive}: refusing to unpack member '${member}': ${reason}`, undefined, 'the archive is not trustworthy; check where it came from');
  }
}

/** An archive that cannot be unpacked (corrupt, truncated, unknown format). */
export class UnpackError extends TsbakeError {
  readonly code = 'E_UNPACK';
}

/** A patch that does not apply. */
export class PatchError extends TsbakeError {
  readonly code = 'E_PATCH';
}
