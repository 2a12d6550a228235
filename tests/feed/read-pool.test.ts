import test from 'ava';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { debStanza } from '../../engine/feed/index-deb.js';
import { ipkEntry } from '../../engine/feed/index-ipk.js';
import { rpmPackageEntries } from '../../engine/feed/index-rpm.js';
import { PackageReadError } from '../../engine/feed/errors.js';
import { packageFiles, type PackageFile } from '../../engine/feed/feed-files.js';
import { IndexCache, type EntryParts } from '../../engine/feed/index-cache.js';
import { readChunks, readerThreads, readThroughCache, type PackageJob, type ReaderKind } from '../../engine/feed/read-pool.js';
import { deployFromReference, missingFeedTools } from '../helpers/feeds.js';
import { requireTool } from '../helpers/host-tools.js';

for (const [jobs, cores, load, threads, why] of [
  [5000, 2, 0.1, 1, 'an idle machine of two cores: this thread reads, the other core compresses'],
  [5000, 4, 0.1, 3, 'an idle machine: every core but the one that compresses'],
  [5000, 2, 1.2, 1, 'one core busy: this thread only'],
  [5000, 8, 3, 4, 'the idle cores of a bigger machine, less the one that compresses'],
  [600, 8, 0, 1, 'few packages: a worker costs more than it saves'],
  [1200, 8, 0, 3, 'one thread per 400 packages'],
  [5000, 2, 15, 1, 'an overloaded machine: never less than one'],
] as const) {
  test(`readerThreads(${jobs} packages, ${cores} cores, load ${load}) = ${threads}: ${why}`, (t) => {
    t.is(readerThreads(jobs, cores, load), threads);
  });
}

/** The entries `threads` threads read for `files` (no cache), as JSON. */
async function entries<T>(kind: ReaderKind, files: readonly PackageFile[], read: (job: PackageJob) => T, threads: number): Promise<string[]> {
  const parts = await readThroughCache(IndexCache.load(undefined, 'v1', 1), kind, files, read, (e) => [Buffer.from(JSON.stringify(e))], threads);
  return parts.map((p) => Buffer.from(p[0] ?? []).toString());
}

test('worker threads read deb, ipk and rpm packages to the same entries, in order, as this thread does', async (t) => {
  const missing = missingFeedTools();
  if (!requireTool(t, missing.length === 0, `${missing.join(', ')} (Debian: dpkg-dev rpm createrepo-c apt-utils dnf xz-utils)`)) return;
  const deploy = deployFromReference();
  const cases = [
    ['deb', await packageFiles(join(deploy, 'deb', 'core2-64'), ['.deb']), debStanza],
    ['ipk', await packageFiles(join(deploy, 'ipk', 'core2-64'), ['.ipk']), ipkEntry],
    ['rpm', await packageFiles(join(deploy, 'rpm'), ['.rpm']), rpmPackageEntries],
  ] as const;
  for (const [kind, files, read] of cases) {
    t.true(files.length >= 2, kind);
    const alone = await entries<unknown>(kind, files, read, 1);
    t.deepEqual(await entries<unknown>(kind, files, read, files.length), alone, kind);
  }
});

test('a package a worker cannot read fails the index with a PackageReadError naming the file', async (t) => {
  const missing = missingFeedTools();
  if (!requireTool(t, missing.length === 0, `${missing.join(', ')} (Debian: dpkg-dev rpm createrepo-c apt-utils dnf xz-utils)`)) return;
  const dir = join(deployFromReference(), 'deb', 'core2-64');
  const bad = join(dir, 'zz-broken_1.0_amd64.deb');
  writeFileSync(bad, '!<arch>\nnot really an ar member header at all, and too short\n');
  const files = await packageFiles(dir, ['.deb']);
  t.is(files[files.length - 1]?.path, bad);
  t.true(statSync(bad).isFile());
  const e = await t.throwsAsync(entries('deb', files, debStanza, 2), { instanceOf: PackageReadError });
  t.is(e?.file, bad);
  t.regex(e?.message ?? '', /^cannot index .*zz-broken_1\.0_amd64\.deb: /);
});

test('readChunks yields each chunk as soon as its packages are read, cached entries unread, in order', async (t) => {
  const files: PackageFile[] = ['a', 'b', 'c', 'd', 'e', 'f'].map((rel) => ({ rel, path: `/nowhere/${rel}`, size: 1, mtimeMs: 1, ctimeMs: 1 }));
  const file = join(mkdtempSync(join(tmpdir(), 'tsbake-readchunks-')), 'cache');
  const before = IndexCache.load(file, 'v1', 1);
  before.store('b', files[1] as PackageFile, [Buffer.from('cached b')]);
  before.save();
  const cache = IndexCache.load(file, 'v1', 1);
  const read: string[] = [];
  const seen: Array<{ chunk: string[]; readSoFar: string[] }> = [];
  const text = (e: EntryParts): string => Buffer.from(e[0] ?? []).toString();
  const chunks = readChunks(cache, 'deb', files, [2, 5], (job) => {
    read.push(job.rel);
    return `read ${job.rel}`;
  }, (s) => [Buffer.from(s)]);
  for await (const chunk of chunks) seen.push({ chunk: chunk.map(text), readSoFar: [...read] });
  t.deepEqual(seen, [
    { chunk: ['read a', 'cached b'], readSoFar: ['a'] },
    { chunk: ['read c', 'read d', 'read e'], readSoFar: ['a', 'c', 'd', 'e'] },
    { chunk: ['read f'], readSoFar: ['a', 'c', 'd', 'e', 'f'] },
  ]);
  t.is(cache.misses, 5);
});
