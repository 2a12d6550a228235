import test from 'ava';
import { createHash } from 'node:crypto';
import { renameSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileMd5s, md5Ahead, runsOf, stampedMd5 } from '../../../engine/package/split/file-md5.js';
import { walkTree, type TreeEntry } from '../../../engine/package/split/tree.js';

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

test('files are shared out in runs of about equal bytes, in order, never an empty run', (t) => {
  const files = [10, 10, 10, 10, 40, 1, 1, 1].map((size, i) => ({ path: `f${i}`, size }));
  const runs = runsOf(files, 2);
  t.deepEqual(runs.map((r) => r.map((f) => f.path)), [['f0', 'f1', 'f2', 'f3'], ['f4', 'f5', 'f6', 'f7']]);
  t.deepEqual(runsOf(files, 4).flat(), files);
  t.true(runsOf(files, 4).every((r) => r.length > 0));
  t.deepEqual(runsOf([{ path: 'one', size: 5 }], 8), [[{ path: 'one', size: 5 }]]);
});

test('md5 of files, in this thread for a small total and shared out among worker threads for a large one, in the order asked', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tsbake-md5-'));
  const make = (sizes: readonly number[], prefix: string): { path: string; size: number; want: string }[] =>
    sizes.map((size, i) => {
      const data = Buffer.alloc(size);
      for (let j = 0; j < size; j++) data[j] = (j * 131 + i * 7) & 0xff;
      const path = join(dir, `${prefix}${i}`);
      writeFileSync(path, data);
      return { path, size, want: md5(data) };
    });
  const small = make([0, 1, 4096, 70_000], 's');
  t.deepEqual(await fileMd5s(small), small.map((f) => f.want));
  // over 32 MiB in all: worker threads take runs of it
  const large = make([12 << 20, 0, 3, 12 << 20, 5 << 20, 9 << 20, 7], 'l');
  t.deepEqual(await fileMd5s(large), large.map((f) => f.want));
  await t.throwsAsync(fileMd5s([...large, { path: join(dir, 'missing'), size: 1 }]), { message: /ENOENT.*missing/ });
});

test('md5s taken ahead are trusted only for an inode with the size and mtime they were taken at', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tsbake-md5-ahead-'));
  const data = (seed: number): Buffer => Buffer.alloc(12 << 20, seed);
  for (const [name, seed] of [['same', 1], ['rewritten', 2], ['replaced', 3]] as const) writeFileSync(join(dir, name), data(seed));
  const stamps = await md5Ahead(dir, walkTree(dir));
  // rewritten in place (same inode and size, a new mtime), and replaced by a new inode
  writeFileSync(join(dir, 'rewritten'), data(4));
  utimesSync(join(dir, 'rewritten'), new Date(5_000), new Date(5_000));
  writeFileSync(join(dir, 'new'), data(3));
  renameSync(join(dir, 'new'), join(dir, 'replaced'));
  const now = new Map(walkTree(dir).map((e) => [e.path, e]));
  const at = (path: string): TreeEntry => {
    const entry = now.get(path);
    if (!entry) throw new Error(`${path} is not in the tree`);
    return entry;
  };
  t.is(stampedMd5(stamps, at('/same')), md5(data(1)));
  t.is(stampedMd5(stamps, at('/rewritten')), undefined);
  t.is(stampedMd5(stamps, at('/replaced')), undefined);
  // a tree too small to share out is hashed at the end instead
  t.is((await md5Ahead(dir, walkTree(dir).slice(0, 1).map((e) => ({ ...e, size: 1 })))).size, 0);
});
