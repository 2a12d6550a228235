import test from 'ava';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, linkSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { packageIndex } from '../../engine/feed/package-index.js';
import { requireTool } from '../helpers/host-tools.js';
import { deployFromReference, missingFeedTools } from '../helpers/feeds.js';

const DATE = new Date(1_700_000_000_000);
const PACKAGE = /\.(deb|rpm|ipk)$/;
/** Links per fixture package: enough for several compressed members per index. */
const COPIES = 150;

/** Every file under `dir` that is not a package (the indexes), by relative path. */
function indexFiles(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!PACKAGE.test(e.name)) out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Hard links of each package under other names: many index entries from a few real packages. */
function widen(dir: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) widen(p);
    else if (PACKAGE.test(e.name)) for (let i = 0; i < COPIES; i++) linkSync(p, p.replace(PACKAGE, `-${i}.$1`));
  }
}

/** Gives `file` the bytes of `from` as a new file (its other links keep theirs) and a new mtime. */
function replaceWith(file: string, from: string, mtimeS: number): void {
  copyFileSync(from, `${file}.new`);
  renameSync(`${file}.new`, file);
  utimesSync(file, mtimeS, mtimeS);
}

test('a re-index after packages changed, appeared and went writes exactly the files a full index of the changed directories writes', async (t) => {
  const missing = missingFeedTools();
  if (!requireTool(t, missing.length === 0, `${missing.join(', ')} (Debian: dpkg-dev rpm createrepo-c apt-utils dnf xz-utils)`)) return;
  const deploy = deployFromReference();
  widen(deploy);
  const dirs = { deb: join(deploy, 'deb'), rpm: join(deploy, 'rpm'), ipk: join(deploy, 'ipk') };
  const cache = mkdtempSync(join(tmpdir(), 'tsbake-feedcache-'));
  await packageIndex({ deployDirs: dirs, cacheDir: cache, date: DATE });

  const deb = join(deploy, 'deb', 'core2-64');
  replaceWith(join(deb, 'libfoo1_1.0-r0_amd64-7.deb'), join(deb, 'hello_1.1-r0_amd64.deb'), 1_900_000_000);
  replaceWith(join(deb, 'hello_1.0-r0_amd64-99.deb'), join(deb, 'hello_1.0-r0_amd64-99.deb'), 1_900_000_001); // same bytes, new mtime
  rmSync(join(deb, 'hello_1.1-r0_amd64-42.deb'));
  copyFileSync(join(deploy, 'deb', 'all', 'data_2.0-r0_all.deb'), join(deb, 'data_2.0-r0_all.deb'));
  const rpm = join(deploy, 'rpm', 'core2_64');
  replaceWith(join(rpm, 'hello-1.0-r0.core2_64-3.rpm'), join(rpm, 'libfoo1-1.0-r0.core2_64.rpm'), 1_900_000_000);
  rmSync(join(rpm, 'hello-1.1-r0.core2_64-120.rpm'));
  copyFileSync(join(deploy, 'rpm', 'noarch', 'data-2.0-r0.noarch.rpm'), join(rpm, 'data-2.0-r0.noarch.rpm'));
  const ipk = join(deploy, 'ipk', 'core2-64');
  replaceWith(join(ipk, 'hello_1.1-r0_core2-64-5.ipk'), join(ipk, 'l', 'libfoo', 'libfoo1_1.0-r0_core2-64.ipk'), 1_900_000_000);
  rmSync(join(ipk, 'l', 'libfoo', 'libfoo1_1.0-r0_core2-64-77.ipk'));

  const again = await packageIndex({ deployDirs: dirs, cacheDir: cache, date: DATE });
  t.deepEqual(
    again.filter((f) => f.read > 0).map((f) => `${f.format} ${relative(deploy, f.dir) || '.'} ${f.read}`),
    ['deb deb/core2-64 3', 'rpm rpm 2', 'rpm rpm/core2_64 2', 'ipk ipk/core2-64 1'],
    'only the changed, touched and new packages are read',
  );
  // (The validators would refuse these feeds: the links repeat package names. The bench feeds
  // of 5,000 distinct packages pass them.) The compressed indexes still decompress to the text.
  const packages = readFileSync(join(deb, 'Packages'));
  t.true(gunzipSync(readFileSync(join(deb, 'Packages.gz'))).equals(packages));
  t.true(spawnSync('xz', ['-dc', join(deb, 'Packages.xz')]).stdout.equals(packages));
  const reindexed = indexFiles(deploy);

  const full = await packageIndex({ deployDirs: dirs, cacheDir: mkdtempSync(join(tmpdir(), 'tsbake-feedcache-')), date: DATE });
  t.true(full.every((f) => f.read === f.packages), 'the full index reads every package');
  const fresh = indexFiles(deploy);
  t.deepEqual([...reindexed.keys()], [...fresh.keys()]);
  for (const [name, bytes] of fresh) t.true(bytes.equals(reindexed.get(name) ?? Buffer.alloc(0)), `${name} differs`);
  t.true([...fresh.keys()].some((n) => n.endsWith('.xml.gz')) && fresh.has(join('deb', 'core2-64', 'Packages.xz')));
});

/** Every package file under `dir`, by path. */
function packagesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && PACKAGE.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

test('a package rewritten in place with the same size and a new mtime is read again (deb, rpm, ipk), and the re-index equals a full index', async (t) => {
  const missing = missingFeedTools();
  if (!requireTool(t, missing.length === 0, `${missing.join(', ')} (Debian: dpkg-dev rpm createrepo-c apt-utils dnf xz-utils)`)) return;
  const deploy = deployFromReference();
  const dirs = { deb: join(deploy, 'deb'), rpm: join(deploy, 'rpm'), ipk: join(deploy, 'ipk') };
  const cache = mkdtempSync(join(tmpdir(), 'tsbake-feedcache-'));
  await packageIndex({ deployDirs: dirs, cacheDir: cache, date: DATE });
  const changed = Object.values(dirs).map((d) => packagesUnder(d)[0] ?? '');
  for (const file of changed) {
    // The last byte belongs to the payload, which no indexer reads: only the file checksums change.
    const bytes = readFileSync(file);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    writeFileSync(file, bytes); // same inode, same size
    utimesSync(file, 1_900_000_000.5, 1_900_000_000.5);
  }
  const again = await packageIndex({ deployDirs: dirs, cacheDir: cache, date: DATE });
  t.deepEqual(
    again.filter((f) => f.read > 0).map((f) => f.format).sort(),
    ['deb', 'ipk', 'rpm', 'rpm'], // the rpm one in its arch repository and in the top one
  );
  t.true(again.every((f) => f.read <= 1));
  for (const file of changed) {
    const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
    const feed = again.find((f) => file.startsWith(`${f.dir}/`) && f.read === 1);
    const index = feed?.format === 'rpm' ? gunzipSync(readFileSync(join(feed.dir, feed.files.find((n) => n.endsWith('primary.xml.gz')) ?? ''))) : readFileSync(join(feed?.dir ?? '', 'Packages'));
    t.true(index.includes(sha256), `${relative(deploy, file)}: its new checksum is in the index`);
  }
  const reindexed = indexFiles(deploy);
  await packageIndex({ deployDirs: dirs, cacheDir: mkdtempSync(join(tmpdir(), 'tsbake-feedcache-')), date: DATE });
  const fresh = indexFiles(deploy);
  t.deepEqual([...reindexed.keys()], [...fresh.keys()]);
  for (const [name, bytes] of fresh) t.true(bytes.equals(reindexed.get(name) ?? Buffer.alloc(0)), `${name} differs`);
});
