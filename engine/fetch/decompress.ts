/**
 * A compressed file as a stream of its content, for do_unpack: gzip inflated in-process (zlib,
 * on libuv's threads: no process to start for the most common kind of tarball), bzip2, xz
 * and zstd by the host tools (`tool -dc`), which run in parallel with whoever reads them, and
 * compress(1)'s `.Z` by `gzip -dc`, as BitBake does.
 */
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { spawnInGroup } from '../core/proc.js';
import { UnpackError } from './errors.js';
import type { ToolOptions } from './run-tool.js';

export type Compression = 'gzip' | 'bzip2' | 'xz' | 'zstd' | 'compress';

const CORRUPT = 'the download is corrupt: remove it and its .done stamp from DL_DIR and fetch again';

/** `file` decompressed, as a stream; `done` rejects when decompression fails (a corrupt file). */
export function decompressed(tool: Compression, file: string, tools: ToolOptions): { stream: Readable; done: Promise<void> } {
  if (tool === 'gzip') return gunzipped(file);
  const command = tool === 'compress' ? 'gzip' : tool;
  const child = spawnInGroup(command, ['-dc', file], { env: tools.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const errors: Buffer[] = [];
  child.stderr?.on('data', (c: Buffer) => errors.push(c));
  const abort = (): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  tools.signal.addEventListener('abort', abort, { once: true });
  const done = new Promise<void>((res, rej) => {
    child.on('error', (e) => rej(new UnpackError(`cannot run ${command}: ${e.message}`, undefined, `install ${command}`)));
    child.on('close', (code) => {
      tools.signal.removeEventListener('abort', abort);
      if (code === 0) res();
      else rej(new UnpackError(`${basename(file)}: ${command} failed (exit ${code ?? 'signal'}): ${Buffer.concat(errors).toString('utf8').trim()}`, undefined, CORRUPT));
    });
  });
  const stream = child.stdout;
  if (!stream) throw new UnpackError(`cannot read the output of ${command}`);
  return { stream, done };
}

/**
 * zlib's inflate of `file`. `done` rejects on a read error or corrupt data only: when the
 * consumer gives up it destroys the stream with its own error, and that one counts.
 */
function gunzipped(file: string): { stream: Readable; done: Promise<void> } {
  const gunzip = createGunzip();
  const input = createReadStream(file);
  let readError: Error | undefined;
  const done = new Promise<void>((res, rej) => {
    gunzip.once('end', res);
    gunzip.on('error', (e: NodeJS.ErrnoException) => {
      if (e === readError || e.code?.startsWith('Z_')) rej(new UnpackError(`${basename(file)}: gzip failed: ${e.message}`, undefined, CORRUPT));
    });
  });
  input.once('error', (e) => gunzip.destroy((readError = e)));
  input.pipe(gunzip);
  return { stream: gunzip, done };
}
