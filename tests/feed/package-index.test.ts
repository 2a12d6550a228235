import test from 'ava';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { packageIndex } from '../../engine/feed/package-index.js';
import { requireTool } from '../helpers/host-tools.js';
import { deployFromReference, missingFeedTools, referenceFeeds, validate } from '../helpers/feeds.js';

const DATE = new Date(1_700_000_000_000);
const missing = missingFeedTools();

async function indexed(): Promise<{ deploy: string; cache: string; feeds: Awaited<ReturnType<typeof packageIndex>> }> {
  const deploy = deployFromReference();
  const cache = mkdtempSync(join(tmpdir(), 'tsbake-feedcache-'));
  const dirs = { deb: join(deploy, 'deb'), rpm: join(deploy, 'rpm'), ipk: join(deploy, 'ipk') };
  const feeds = await packageIndex({ deployDirs: dirs, cacheDir: cache, date: DATE });
  return { deploy, cache, feeds };
}

const metadata = (repo: string, type: string): string => {
  const name = readdirSync(join(repo, 'repodata')).find((n) => n.endsWith(`-${type}.xml.gz`));
  return gunzipSync(readFileSync(join(repo, 'repodata', name ?? 'missing'))).toString().trimEnd();
};

test('every feed of a deploy directory is indexed and passes the feed validators with the real clients', async (t) => {
  if (!requireTool(t, missing.length === 0, `${missing.join(', ')} (Debian: dpkg-dev rpm createrepo-c apt-utils dnf xz-utils)`)) return;
  const { deploy, feeds } = await indexed();
  t.deepEqual(
    feeds.map((f) => `${f.format} ${f.dir.slice(deploy.length + 1)} ${f.packages}`),
    ['deb deb/all 1', 'deb deb/core2-64 3', 'deb deb/cortexa57 1', 'rpm rpm 5', 'rpm rpm/core2_64 3', 'rpm rpm/cortexa57 1', 'rpm rpm/noarch 1', 'ipk ipk/all 1', 'ipk ipk/core2-64 2'],
  );
  for (const f of feeds) {
    const r = validate(`${f.format}-feed`, f.dir);
    t.true(r.ok, r.output);
  }
  t.is(readFileSync(join(deploy, 'ipk', 'Packages'), 'utf8'), '', 'an empty Packages at the top of deploy/ipk');
  const leftovers = spawnSync('find', [deploy, '-name', '*.tmp-*'], { encoding: 'utf8' }).stdout;
  t.is(leftovers, '', 'no temp files are left');
});

test('DEB Packages equal apt-ftparchive output on the same directory, byte for byte', async (t) => {
  if (!requireTool(t, missing.length === 0, missing.join(', '))) return;
  const { deploy } = await indexed();
  for (const arch of ['all', 'core2-64', 'cortexa57']) {
    const dir = join(deploy, 'deb', arch);
    const apt = spawnSync('apt-ftparchive', ['packages', '.'], { cwd: dir, encoding: 'utf8', env: { ...process.env, APT_CONFIG: '/dev/null' } });
    t.is(apt.status, 0, apt.stderr);
    t.is(readFileSync(join(dir, 'Packages'), 'utf8'), apt.stdout, arch);
  }
});

test('RPM metadata equals what createrepo_c wrote for the same packages', async (t) => {
  if (!requireTool(t, missing.length === 0, missing.join(', '))) return;
  const { deploy } = await indexed();
  const ref = referenceFeeds();
  for (const sub of ['', 'core2_64', 'cortexa57', 'noarch']) {
    for (const type of ['primary', 'filelists', 'other']) {
      t.is(metadata(join(deploy, 'rpm', sub), type), metadata(join(ref, 'rpm', sub), type), `${sub || '.'} ${type}`);
    }
  }
});

test('IPK Packages equal the opkg-make-index rendition of the fixtures', async (t) => {
  if (!requireTool(t, missing.length === 0, missing.join(', '))) return;
  const { deploy } = await indexed();
  const ref = referenceFeeds();
  t.is(readFileSync(join(deploy, 'ipk', 'all', 'Packages'), 'utf8'), readFileSync(join(ref, 'ipk', 'all', 'Packages'), 'utf8'));
  const stamps = readFileSync(join(deploy, 'ipk', 'core2-64', 'Packages.stamps'), 'utf8');
  t.regex(stamps, /^\d+ hello_1\.1-r0_core2-64\.ipk\n\d+ l\/libfoo\/libfoo1_1\.0-r0_core2-64\.ipk\n$/);
});

test('re-indexing reads only changed packages and writes the same indexes', async (t) => {
  if (!requireTool(t, missing.length === 0, missing.join(', '))) return;
  const { deploy, cache, feeds } = await indexed();
  const dirs = { deb: join(deploy, 'deb'), rpm: join(deploy, 'rpm'), ipk: join(deploy, 'ipk') };
  const before = readFileSync(join(deploy, 'deb', 'core2-64', 'Packages'));
  const again = await packageIndex({ deployDirs: dirs, cacheDir: cache, date: DATE });
  t.deepEqual(again.map((f) => f.read), feeds.map(() => 0));
  t.deepEqual(readFileSync(join(deploy, 'deb', 'core2-64', 'Packages')), before);
  // A rebuilt package (same bytes, new mtime) is read again; nothing else is.
  utimesSync(join(deploy, 'deb', 'core2-64', 'libfoo1_1.0-r0_amd64.deb'), new Date(), new Date(1_800_000_000_000));
  const third = await packageIndex({ deployDirs: dirs, cacheDir: cache, date: DATE });
  t.deepEqual(
    third.filter((f) => f.read > 0).map((f) => `${f.format} ${f.dir.slice(deploy.length + 1)} ${f.read}`),
    ['deb deb/core2-64 1'],
  );
  t.deepEqual(readFileSync(join(deploy, 'deb', 'core2-64', 'Packages')), before);
});

test('a package that is not a package is an error naming the file', async (t) => {
  const deploy = mkdtempSync(join(tmpdir(), 'tsbake-baddeploy-'));
  cpSync('/etc/hostname', join(deploy, 'deb', 'all', 'broken_1.0_all.deb'), { recursive: true });
  const err = await t.throwsAsync(packageIndex({ deployDirs: { deb: join(deploy, 'deb') }, cacheDir: join(deploy, 'cache'), date: DATE }));
  t.regex(err?.message ?? '', /cannot index .*broken_1\.0_all\.deb: neither an ar archive/);
});
