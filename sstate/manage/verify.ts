/**
 * --verify: an archive is sound when its zstd frames decode (checksums included) and the
 * result is a complete tar archive. Streams the file; nothing is kept in memory.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DecompressStream } from 'zstd-napi';
import { TarCheck } from './tar-check.js';

export type VerifyResult =
  | { readonly status: 'ok' }
  | { readonly status: 'corrupt'; readonly reason: string }
  /** Could not be read (permissions, gone, replaced by a symlink): not judged. */
  | { readonly status: 'unreadable'; readonly reason: string };

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

class TarFailure extends Error {}

/** Reads `file`, never through a symlink (O_NOFOLLOW): callers pass a link's checked target. */
export async function verifyArchive(file: string): Promise<VerifyResult> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    return { status: 'unreadable', reason: errorText(e) };
  }
  const check = new TarCheck();
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done): void {
      check.update(chunk);
      done(check.error === undefined ? undefined : new TarFailure(check.error));
    },
  });
  const source = handle.createReadStream({ highWaterMark: 1 << 20 });
  let readError: unknown;
  source.on('error', (e) => (readError = e));
  try {
    await pipeline(source, new DecompressStream(), sink);
  } catch (e) {
    if (readError !== undefined) return { status: 'unreadable', reason: errorText(readError) };
    return { status: 'corrupt', reason: e instanceof TarFailure ? e.message : `zstd: ${errorText(e)}` };
  } finally {
    await handle.close().catch(() => undefined);
  }
  const problem = check.finish();
  return problem === undefined ? { status: 'ok' } : { status: 'corrupt', reason: problem };
}
