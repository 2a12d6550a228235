/**
 * End to end through the feeds: packages built by the real tools go into deploy/, are indexed
 * and served on loopback; apt (with its own configuration, on a root's dpkg database) and
 * dnf (--installroot) install them; after a PR bump and a re-index, both see the upgrade and
 * install it, running its scripts.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageIndex } from '../../engine/feed/package-index.js';
import { serveFeeds } from '../../engine/feed/serve.js';
import { isolatedApt, isolatedDnf } from '../helpers/clients.js';
import { hasCommand, requireTool } from '../helpers/host-tools.js';

const DATE = new Date(1_700_000_000_000);

function sh(cmd: string, args: readonly string[], cwd?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...(cwd ? { cwd } : {}) });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** upg_1.0-<pr>_all.deb: one file, and a postinst that records how it was called. */
function buildDeb(out: string, pr: string): void {
  const root = mkdtempSync(join(tmpdir(), 'tsbake-upgdeb-'));
  mkdirSync(join(root, 'DEBIAN'));
  mkdirSync(join(root, 'usr/share/upg'), { recursive: true });
  writeFileSync(join(root, 'usr/share/upg/version'), `1.0-${pr}\n`);
  writeFileSync(join(root, 'DEBIAN/control'), `Package: upg\nVersion: 1.0-${pr}\nArchitecture: all\nMaintainer: tsbake <t@example.com>\nDescription: upgrade test\n`);
  writeFileSync(join(root, 'DEBIAN/postinst'), `#!/bin/sh\necho "postinst $1 $2 -> 1.0-${pr}" >> "$DPKG_ROOT/upg.log"\n`);
  chmodSync(join(root, 'DEBIAN/postinst'), 0o755);
  sh('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', root, join(out, `upg_1.0-${pr}_all.deb`)]);
}

/** upg-1.0-<pr>.noarch.rpm: one file, and a lua %post (no /bin/sh needed in the root) that records its argument. */
function buildRpm(out: string, pr: string): void {
  const top = mkdtempSync(join(tmpdir(), 'tsbake-upgrpm-'));
  const spec = join(top, 'upg.spec');
  writeFileSync(spec, [
    'Name: upg', 'Version: 1.0', `Release: ${pr}`, 'Summary: upgrade test', 'License: MIT', 'BuildArch: noarch', 'AutoReqProv: no',
    '%description', 'upgrade test', '%install', `mkdir -p %{buildroot}/usr/share/upg && echo 1.0-${pr} > %{buildroot}/usr/share/upg/version`,
    '%post -p <lua>', `local f = io.open("/upg.log", "a"); f:write("post " .. arg[2] .. " -> 1.0-${pr}\\n"); f:close()`,
    '%files', '/usr/share/upg/version', '',
  ].join('\n'));
  sh('rpmbuild', ['-bb', '--quiet', '--define', `_topdir ${top}`, '--define', `_rpmdir ${out}`, '--define', '__spec_install_post %{nil}', '--define', 'debug_package %{nil}', '--define', '_build_id_links none', spec]);
}

const tools = ['dpkg-deb', 'apt-get', 'rpmbuild', 'dnf', 'rpm', 'xz'].filter((c) => !hasCommand(c));

test('a PR bump reaches apt and dnf through the indexed, served feeds, and the upgrade runs its scripts', async (t) => {
  if (!requireTool(t, tools.length === 0, `${tools.join(', ')} (Debian: dpkg-dev apt rpm dnf xz-utils)`)) return;
  const top = mkdtempSync(join(tmpdir(), 'tsbake-upgrade-'));
  const deploy = join(top, 'deploy');
  const debDir = join(deploy, 'deb', 'all');
  mkdirSync(debDir, { recursive: true });
  mkdirSync(join(deploy, 'rpm'), { recursive: true });
  const index = () => packageIndex({ deployDirs: { deb: join(deploy, 'deb'), rpm: join(deploy, 'rpm') }, cacheDir: join(top, 'cache'), date: DATE });
  buildDeb(debDir, 'r0');
  buildRpm(join(deploy, 'rpm'), 'r0');
  await index();
  const lines: string[] = [];
  const server = await serveFeeds(deploy, { port: 0, bind: '127.0.0.1', log: (l) => lines.push(l) });
  try {
    // DEB: a root with its own dpkg database, apt configured only with the served feed.
    const root = join(top, 'debroot');
    for (const d of ['var/lib/dpkg/info', 'var/lib/dpkg/updates']) mkdirSync(join(root, d), { recursive: true });
    writeFileSync(join(root, 'var/lib/dpkg/status'), '');
    const apt = isolatedApt(`deb [trusted=yes] ${server.url}deb/all ./\n`, { admindir: join(root, 'var/lib/dpkg') });
    const update = await apt.aptGet('update');
    t.is(update.status, 0, update.output);
    const install = await apt.aptGet('install', '-y', 'upg');
    t.is(install.status, 0, install.output);
    t.is(readFileSync(join(root, 'usr/share/upg/version'), 'utf8'), '1.0-r0\n');

    // RPM: dnf with an installroot and the served repository.
    const rpmRoot = join(top, 'rpmroot');
    const dnf = isolatedDnf({}, { installroot: rpmRoot, setopts: [`--repofrompath=feed,${server.url}rpm`, '--enablerepo=feed', '--setopt=feed.gpgcheck=0', '--setopt=install_weak_deps=False'] });
    const dnfInstall = await dnf('install', 'upg');
    t.is(dnfInstall.status, 0, dnfInstall.output);
    t.is(readFileSync(join(rpmRoot, 'usr/share/upg/version'), 'utf8'), '1.0-r0\n');

    // The recipe's PR is bumped: rebuilt packages, re-indexed feeds (the server keeps serving).
    buildDeb(debDir, 'r1');
    buildRpm(join(deploy, 'rpm'), 'r1');
    const again = await index();
    t.deepEqual(again.filter((f) => f.read > 0).map((f) => `${f.format} ${f.read}`), ['deb 1', 'rpm 1', 'rpm 1']);

    t.is((await apt.aptGet('update')).status, 0);
    t.regex((await apt.aptGet('-s', 'upgrade')).output, /^Inst upg \[1\.0-r0\] \(1\.0-r1 /m, 'apt sees the upgrade');
    const upgrade = await apt.aptGet('upgrade', '-y');
    t.is(upgrade.status, 0, upgrade.output);
    t.is(readFileSync(join(root, 'usr/share/upg/version'), 'utf8'), '1.0-r1\n');
    t.is(readFileSync(join(root, 'upg.log'), 'utf8'), 'postinst configure  -> 1.0-r0\npostinst configure 1.0-r0 -> 1.0-r1\n', 'the upgrade ran its postinst as an upgrade');
    t.regex(sh('dpkg-query', [`--admindir=${join(root, 'var/lib/dpkg')}`, '-W', 'upg']), /^upg\t1\.0-r1$/m);

    const check = await dnf('--refresh', 'check-upgrade');
    t.is(check.status, 100, 'dnf sees the upgrade (check-upgrade exits 100)');
    t.regex(check.output, /upg\.noarch\s+1\.0-r1/);
    const dnfUpgrade = await dnf('upgrade', 'upg');
    t.is(dnfUpgrade.status, 0, dnfUpgrade.output);
    t.regex(sh('rpm', ['--root', rpmRoot, '-q', 'upg']), /^upg-1\.0-r1\.noarch$/m);
    t.is(readFileSync(join(rpmRoot, 'usr/share/upg/version'), 'utf8'), '1.0-r1\n');
    t.is(readFileSync(join(rpmRoot, 'upg.log'), 'utf8'), 'post 1 -> 1.0-r0\npost 2 -> 1.0-r1\n', 'the upgrade ran its %post with 2 instances');
  } finally {
    await server.close();
  }
  t.true(lines.some((l) => / "GET \/deb\/all\/(\.\/)?upg_1\.0-r1_all\.deb" 200$/.test(l)), 'apt fetched the upgrade from the feed server');
  t.false(existsSync(join(deploy, 'deb', 'all', 'Packages.tmp')));
});
