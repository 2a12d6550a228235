/**
 * Compression for index files and package members: gzip in-process, on libuv's threads
 * (deterministic header: no name, no time), zstd through zstd-napi, xz through the host's
 * `xz` (Node has no xz).
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { gzip as gzipCallback, inflateRawSync } from 'node:zlib';
import { spawnInGroup } from '../core/proc.js';
import { inflateRaw } from './inflate.js';

/** Loads zstd-napi on first use (most feeds have no zstd member), synchronously. */
const requireNative = createRequire(import.meta.url);

/**
 * Files compressed by one xz process as they are named (`--files0`), each to its own
 * `<file>.xz` stream at preset 0: an index is re-written on every change, and on a
 * 5,000-package Packages -0 takes a third of -1's time for a 2% larger file (-6 takes
 * seconds). The indexer names a member's file as soon as it has the member's text, so xz
 * works on another core while packages are still being read; one process for all members,
 * since a process start costs more than a small member.
 */
export class XzFiles {
  readonly #child = spawnInGroup('xz', ['-T1', '-0', '-z', '-k', '-f', '-q', '--files0'], { stdio: ['pipe', 'ignore', 'pipe'] });
  readonly #exit: Promise<void>;

  constructor() {
    const child = this.#child;
    const err: Buffer[] = [];
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    // A write after xz died fails with EPIPE; its exit status says why.
    child.stdin?.on('error', () => undefined);
    this.#exit = new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`xz failed: ${Buffer.concat(err).toString().trim() || `exit status ${code}`}`))));
    });
  }

  add(file: string): void {
    this.#child.stdin?.write(`${file}\0`);
  }

  /** Resolves once every file added has its `.xz` beside it. */
  finish(): Promise<void> {
    this.#child.stdin?.end();
    return this.#exit;
  }
}

/** gzip on one of libuv's threads, so it runs beside this thread's work; the same bytes as `gzip`. */
export function gzipAsync(data: Uint8Array, level: number): Promise<Buffer> {
  return new Promise((resolve, reject) => gzipCallback(data, { level }, (e, out) => (e ? reject(e) : resolve(out))));
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

/**
 * At least the first `limit` bytes of a gzip member (all of it when shorter), inflated in this
 * thread (inflate.ts); `complete` says whether that was all.
 */
export function gunzipHead(data: Buffer, limit: number): { readonly head: Buffer; readonly complete: boolean } {
  const { data: head, complete } = inflateRaw(deflateBody(data), limit);
  return { head: Buffer.from(head.buffer, head.byteOffset, head.length), complete };
}

/** `xz -d` of `data`, in a child process this thread waits for (a control member is small). */
function unxz(data: Buffer): Buffer {
  const r = spawnSync('xz', ['-T1', '-d', '-c'], { input: data, maxBuffer: 1 << 30 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`xz -d failed: ${r.stderr.toString().trim()}`);
  return r.stdout;
}

/**
 * Decompresses a member by its file name's extension (`.gz`, `.xz`, `.zst`, none), without
 * giving up the thread: a reader reads one package after another, and a synchronous read
 * spares each package the promises of an asynchronous one (a quarter of its time).
 */
export function decompressByName(name: string, data: Buffer): Buffer {
  if (name.endsWith('.gz')) return gunzip(data);
  if (name.endsWith('.xz')) return unxz(data);
  if (name.endsWith('.zst')) return (requireNative('zstd-napi') as typeof import('zstd-napi')).decompress(data);
  return data;
}
