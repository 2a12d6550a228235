/**
 * Trees for the sstate store tests: a builder covering every member kind the store handles,
 * and a snapshot that compares two trees by content, mode, type, link target, hard-link
 * grouping and mtime.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { pack as tarPack, type Header } from 'tar-stream';
import { CompressStream } from 'zstd-napi';

export const SDE = 1700000000;
export const NAME = 'sstate:demo:core2-64-poky-linux:1.0:r0:core2-64:14:0123456789abcdef_populate_sysroot.tar.zst';

/** A fresh directory, removed when the test ends. */
export function tempDir(t: { teardown(fn: () => void): void }, tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), `tsbake-sstate-${tag}-`));
  t.teardown(() => removeTree(dir));
  return dir;
}

/** rm -rf, after making read-only directories (the fixture has one) writable again. */
function removeTree(dir: string): void {
  const unlock = (d: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (lstatSync(p).isDirectory()) {
        chmodSync(p, 0o700);
        unlock(p);
      }
    }
  };
  try {
    unlock(dir);
  } catch {
    // best effort: rmSync reports what is left
  }
  rmSync(dir, { recursive: true, force: true });
}

type Step = (root: string) => void;

const file = (rel: string, data: string | Buffer, mode = 0o644): Step => (root) => {
  const p = join(root, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, data);
  chmodSync(p, mode);
};
const dir = (rel: string, mode = 0o755): Step => (root) => {
  mkdirSync(join(root, rel), { recursive: true });
  chmodSync(join(root, rel), mode);
};
const symlink = (rel: string, target: string): Step => (root) => {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  symlinkSync(target, join(root, rel));
};
const hardlink = (rel: string, existing: string): Step => (root) => linkSync(join(root, existing), join(root, rel));

const LONG = `${'deep/'.repeat(25)}${'n'.repeat(120)}.txt`;

/** Every kind of member, in an order of creation that `reverse` flips (links come last either way). */
function steps(big: Buffer): { plain: Step[]; links: Step[]; last: Step[] } {
  return {
    plain: [
      dir('usr/bin'),
      file('usr/bin/tool', '#!/bin/sh\necho hi\n', 0o755),
      file('usr/bin/suid', 'x', 0o4755),
      file('usr/lib/libdemo.so.1.0', big, 0o755),
      file('usr/share/empty-file', ''),
      file('usr/share/private', 'secret\n', 0o600),
      dir('usr/share/empty-dir', 0o750),
      file('etc/demo.conf', 'a=1\n'),
      file('etc/naïve-ünïcode', 'utf-8 name\n'),
      file(LONG, 'a member name over 100 bytes\n'),
      file('a-b', 'byte order: - sorts before /\n'),
      dir('a'),
      file('a/b', 'in a\n'),
    ],
    links: [
      symlink('usr/lib/libdemo.so', 'libdemo.so.1.0'),
      symlink('usr/lib/abs-link', '/usr/lib/libdemo.so.1.0'),
      symlink('usr/lib/dangling', '../nowhere'),
      symlink('usr/dirlink', 'lib'),
      hardlink('usr/bin/tool-alias', 'usr/bin/tool'),
      hardlink('etc/demo.conf.hard', 'etc/demo.conf'),
    ],
    // A read-only directory, filled before it is locked.
    last: [file('ro/inside', 'r\n'), (root) => chmodSync(join(root, 'ro'), 0o555)],
  };
}

/** Builds the fixture tree under `root` (created). Times are random unless `mtime` is given. */
export function makeTree(root: string, opts: { reverse?: boolean; big?: Buffer; stampSeed?: number } = {}): string {
  mkdirSync(root, { recursive: true });
  const s = steps(opts.big ?? Buffer.alloc(200_000, 'library bytes '));
  const plain = opts.reverse ? [...s.plain].reverse() : s.plain;
  for (const step of [...plain, ...s.links, ...s.last]) step(root);
  // Times that differ from run to run: the archive must not depend on them.
  const seed = opts.stampSeed ?? Math.floor(Math.random() * 1e6);
  for (const p of allPaths(root)) {
    const t = 1_000_000_000 + seed + p.length;
    if (!lstatSync(p).isSymbolicLink()) utimesSync(p, t, t + 7);
  }
  return root;
}

function allPaths(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      out.push(p);
      if (lstatSync(p).isDirectory()) walk(p);
    }
  };
  walk(root);
  return out;
}

export interface Snap {
  readonly path: string;
  readonly kind: 'dir' | 'file' | 'symlink';
  readonly mode: number;
  readonly sha?: string;
  readonly link?: string;
  /** Index of the first path sharing this inode (hard links). */
  readonly inodeGroup?: string;
  readonly mtime?: number;
}

/** The tree as data; mtimes only when `withTimes`. */
export function snapshot(root: string, withTimes = false): Snap[] {
  const byInode = new Map<number, string>();
  const out: Snap[] = [];
  const paths = allPaths(root).sort();
  for (const p of paths) {
    const st = lstatSync(p);
    const path = p.slice(root.length + 1);
    const mtime = withTimes ? Math.floor(st.mtimeMs / 1000) : undefined;
    if (st.isSymbolicLink()) out.push({ path, kind: 'symlink', mode: 0, link: readlinkSync(p), ...(mtime !== undefined ? { mtime } : {}) });
    else if (st.isDirectory()) out.push({ path, kind: 'dir', mode: st.mode & 0o7777, ...(mtime !== undefined ? { mtime } : {}) });
    else {
      const first = byInode.get(st.ino) ?? path;
      byInode.set(st.ino, first);
      out.push({ path, kind: 'file', mode: st.mode & 0o7777, sha: createHash('sha256').update(readFileSync(p)).digest('hex'), inodeGroup: first, ...(mtime !== undefined ? { mtime } : {}) });
    }
  }
  return out;
}

/** Incompressible bytes, so an object is big enough for the decompression thread. */
export const randomBig = (bytes: number): Buffer => randomBytes(bytes);

export type RawMember = Partial<Header> & { readonly name: string; readonly data?: string };

/** A hand-made object: these members, tarred by tar-stream, through zstd. */
export async function craftObject(path: string, members: readonly RawMember[]): Promise<string> {
  mkdirSync(dirname(path), { recursive: true });
  const tar = tarPack();
  const flow = pipeline(tar, new CompressStream({ compressionLevel: 3, checksumFlag: true }), createWriteStream(path));
  for (const { data, ...header } of members) {
    await new Promise<void>((resolve, reject) => {
      const h = { mtime: new Date(SDE * 1000), ...header };
      if (data !== undefined) tar.entry(h, data, (e) => (e ? reject(e) : resolve()));
      else tar.entry(h, (e) => (e ? reject(e) : resolve()));
    });
  }
  tar.finalize();
  await flow;
  return path;
}
