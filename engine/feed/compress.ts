/**
 * Compression for index files and package members: gzip in-process (deterministic header:
 * no name, no time), zstd through zstd-napi (loaded on first use: most feeds have no zstd
 * member), xz through the host's `xz` (Node has no xz).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, inflateRawSync } from 'node:zlib';
import { spawnInGroup } from '../core/proc.js';

export const gzip = (data: Uint8Array, level = 9): Buffer => gzipSync(data, { level });

/** Runs `xz` with `args`, `input` on its stdin; resolves with its stdout. */
function xz(args: readonly string[], input: Uint8Array | undefined): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawnInGroup('xz', ['-T1', ...args], { stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`xz ${args.join(' ')} failed: ${Buffer.concat(err).toString().trim()}`)),
    );
    child.stdin?.end(input);
  });
}

/**
 * Each of `parts` as its own xz stream, at preset 0: an index is re-written on every change,
 * and on a 5,000-package Packages -0 takes a third of -1's time for a 2% larger file (-6 takes
 * seconds). One xz process compresses many files (a process start costs more than a small
 * member), two processes share the work; a single part goes through a pipe.
 */
export async function xzEach(parts: readonly Uint8Array[]): Promise<Buffer[]> {
  if (parts.length <= 1) return Promise.all(parts.map((part) => xz(['-0', '-z', '-c', '-q'], part))); // a re-index: no files
  const dir = mkdtempSync(join(tmpdir(), 'tsbake-xz-'));
  try {
    const files = parts.map((data, i) => {
      const file = join(dir, String(i));
      writeFileSync(file, data);
      return file;
    });
    const halves = parts.length > 1 ? [files.filter((_, i) => i % 2 === 0), files.filter((_, i) => i % 2 === 1)] : [files];
    await Promise.all(halves.map((part) => xz(['-0', '-z', '-k', '-f', '-q', '--', ...part], undefined)));
    return files.map((f) => readFileSync(`${f}.xz`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The deflate data of one gzip member, after its header (RFC 1952: optional extra field, name,
 * comment and header CRC). Inflating that raw is cheaper than a gunzip: a package's control
 * member is small, and the whole file's checksums already cover its bytes.
 */
function deflateBody(data: Buffer): Buffer {
  if (data.length < 18 || data[0] !== 0x1f || data[1] !== 0x8b || data[2] !== 8) throw new Error('not a gzip member');
  const flags = data[3] ?? 0;
  let pos = 10;
  if (flags & 4) pos += 2 + data.readUInt16LE(pos);
  for (const bit of [8, 16]) {
    if (flags & bit) {
      const end = data.indexOf(0, pos);
      if (end < 0) throw new Error('gzip header runs past the data');
      pos = end + 1;
    }
  }
  if (flags & 2) pos += 2;
  return data.subarray(pos);
}

export const gunzip = (data: Buffer): Buffer => inflateRawSync(deflateBody(data));

/** Decompresses a member by its file name's extension (`.gz`, `.xz`, `.zst`, none). */
export async function decompressByName(name: string, data: Buffer): Promise<Buffer> {
  if (name.endsWith('.gz')) return gunzip(data);
  if (name.endsWith('.xz')) return xz(['-d', '-c'], data);
  if (name.endsWith('.zst')) return (await import('zstd-napi')).decompress(data);
  return data;
}
