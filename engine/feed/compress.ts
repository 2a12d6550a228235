/**
 * Compression for index files and package members: gzip in-process (deterministic header:
 * no name, no time), zstd through zstd-napi, xz through the host's `xz` (Node has no xz).
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { decompress as zstdDecompress } from 'zstd-napi';
import { spawnInGroup } from '../core/proc.js';

export const gzip = (data: Uint8Array, level = 9): Buffer => gzipSync(data, { level });

/** Runs `xz` over `data` (compress, or `-d`), in its own process group. */
function xz(args: readonly string[], data: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawnInGroup('xz', [...args, '-c', '-T1'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`xz ${args.join(' ')} failed: ${Buffer.concat(err).toString().trim()}`)),
    );
    child.stdin?.end(data);
  });
}

/** xz at preset 1: an index is re-written on every change, and -6 costs seconds for a few MB. */
export const xzCompress = (data: Uint8Array): Promise<Buffer> => xz(['-1'], data);

/** Decompresses a member by its file name's extension (`.gz`, `.xz`, `.zst`, none). */
export async function decompressByName(name: string, data: Buffer): Promise<Buffer> {
  if (name.endsWith('.gz')) return gunzipSync(data);
  if (name.endsWith('.xz')) return xz(['-d'], data);
  if (name.endsWith('.zst')) return zstdDecompress(data);
  return data;
}
