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
import { readChunks, readerThreads, readPackages, type PackageJob } from '../../engine/feed/read-pool.js';
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

const jobsOf = async (dir: string, exts: readonly string[]): Promise<PackageJob[]> =>
  (await packageFiles(dir, exts)).map((f) => ({ path: f.path, rel: f.rel, size: f.size, mtimeMs: f.mtimeMs }));

test('worker threads read deb, ipk and rpm packages to the same entries, in order, as this thread does', async (t) => {
  const missing = missingFeedTools();
  if (!requireTool(t, missing.length === 0, `${missing.join(', ')} (Debian: dpkg-dev rpm createrepo-c apt-utils dnf xz-utils)`)) return;
  const deploy = deployFromReference();
  const cases = [
    ['deb', await jobsOf(join(deploy, 'deb', 'core2-64'), ['.deb']), debStanza],
    ['ipk', await jobsOf(join(deploy, 'ipk', 'core2-64'), ['.ipk']), ipkEntry],
    ['rpm', await jobsOf(join(deploy, 'rpm'), ['.rpm']), rpmPackageEntries],
  ] as const;
  for (const [kind, jobs, read] of cases) {
    t.true(jobs.length >= 2, kind);
    const alone = await readPackages<unknown>(kind, jobs, read, 1);
    t.deepEqual(await readPackages<unknown>(kind, jobs, read, jobs.length), alone, kind);
  }
});

test('a package a worker cannot read fails the index with a PackageReadError naming the file', async (t) => {
  const missing = missingFeedTools();
  if (!requireTool(t, missing.length === 0, `${missing.join(', ')} (Debian: dpkg-dev rpm createrepo-c apt-utils dnf xz-utils)`)) return;
  const dir = join(deployFromReference(), 'deb', 'core2-64');
  const bad = join(dir, 'zz-broken_1.0_amd64.deb');
  writeFileSync(bad, '!<arch>\nnot really an ar member header at all, and too short\n');
  const jobs = await jobsOf(dir, ['.deb']);
  t.is(jobs[jobs.length - 1]?.path, bad);
  t.true(statSync(bad).isFile());
  const e = await t.throwsAsync(readPackages('deb', jobs, debStanza, 2), { instanceOf: PackageReadError });
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
