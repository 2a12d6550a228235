import test from 'ava';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PackageSpec } from '../../engine/package/model/spec.js';
import type { RootfsBackend } from '../../engine/rootfs/backend.js';
import { resolveClosure } from '../../engine/rootfs/closure.js';
import { dpkgBackend, opkgBackend } from '../../engine/rootfs/control-backend.js';
import { rpmBackend } from '../../engine/rootfs/db/rpm.js';
import { FileConflictError, installPackages, RootfsScriptError, type PostinstFailure } from '../../engine/rootfs/install.js';
import { buildControlPackage, buildRpmPackage, catalogOf, fixtureSpec, type FixturePackage } from '../helpers/package-fixtures.js';
import { hasCommand, requireTool } from '../helpers/host-tools.js';

type Format = 'deb' | 'ipk' | 'rpm';

const ONTARGET = (pkg: string) => `#!/bin/sh\nset -e\nif [ -n "$D" ]; then\n\t$INTERCEPT_DIR/postinst_intercept delay_to_first_boot ${pkg} mlprefix=\n\texit 0\nfi\necho configured > /etc/${pkg}.done\n`;
/** As tsbake's do_package wraps pkg_postinst_ontarget (package/model/scripts.ts). */
const TSBAKE_ONTARGET = (pkg: string) => `#!/bin/sh\nset -e\nif [ -n "$D" ]; then\n\tmkdir -p "$D/var/lib/tsbake/deferred-postinsts"\n\t: > "$D/var/lib/tsbake/deferred-postinsts/${pkg}"\n\texit 0\nfi\necho configured > /etc/${pkg}.done\n`;
const LEGACY_FAIL = '#!/bin/sh\nif [ -n "$D" ]; then\n\techo "cannot run offline" >&2\n\texit 1\nfi\necho ran > /etc/late.done\n';

const BASE: FixturePackage[] = [
  { name: 'libdemo', files: { '/usr/lib/libdemo.so.1': 'lib' }, preinst: '#!/bin/sh\nmkdir -p "$D/var/preinst"\necho "$1" > "$D/var/preinst/libdemo"\n' },
  { name: 'app', depends: ['libdemo'], files: { '/usr/bin/app': '#!/bin/sh\necho app\n' }, postinst: '#!/bin/sh\nset -e\nmkdir -p "$D/etc"\necho "D=$D OFFLINE_ROOT=$OFFLINE_ROOT OPKG=$OPKG_OFFLINE_ROOT IPKG=$IPKG_OFFLINE_ROOT" > "$D/etc/app.env"\n[ -f "$D/usr/lib/libdemo.so.1" ]\n' },
  { name: 'firstboot', depends: ['app'], files: { '/usr/share/firstboot/readme': 'x' }, postinst: ONTARGET('firstboot') },
  { name: 'firstboot2', depends: ['app'], files: { '/usr/share/firstboot2/readme': 'x' }, postinst: TSBAKE_ONTARGET('firstboot2') },
  { name: 'late', files: { '/usr/share/late/readme': 'x' }, postinst: LEGACY_FAIL },
];

function toolsFor(format: Format): [boolean, string] {
  return format === 'rpm' ? [hasCommand('rpm') && hasCommand('rpmbuild'), 'rpm and rpmbuild (Debian packages rpm)'] : [hasCommand('dpkg-deb'), 'dpkg-deb (Debian package dpkg)'];
}

interface Built {
  readonly specs: PackageSpec[];
  readonly files: Map<string, string>;
}

function build(format: Format, pkgs: readonly FixturePackage[]): Built {
  const out = mkdtempSync(join(tmpdir(), `tsbake-deploy-${format}-`));
  const files = new Map(pkgs.map((p) => [p.name, format === 'rpm' ? buildRpmPackage(p, out) : buildControlPackage(p, out, format)]));
  return { specs: pkgs.map(fixtureSpec), files };
}

function backendFor(format: Format, root: string): RootfsBackend {
  if (format === 'deb') return dpkgBackend(root);
  if (format === 'ipk') return opkgBackend(root, 1700000000);
  return rpmBackend(root, { PATH: process.env['PATH'] ?? '/usr/bin:/bin', SOURCE_DATE_EPOCH: '1700000000' });
}

async function install(format: Format, built: Built, install: string[], opts: { failure?: PostinstFailure; readOnly?: boolean } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'tsbake-rootfs-'));
  const warnings: string[] = [];
  const report = await installPackages({
    closure: resolveClosure(catalogOf(built.specs), { install, badRecommendations: [], noRecommendations: false }),
    backend: backendFor(format, root),
    packageFile: (spec) => built.files.get(spec.name) ?? '',
    host: { root, scratch: mkdtempSync(join(tmpdir(), 'tsbake-scratch-')), env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', SOURCE_DATE_EPOCH: '1700000000' }, signal: new AbortController().signal },
    onPostinstFailure: opts.failure ?? 'fail',
    readOnlyRootfs: opts.readOnly ?? false,
    logFile: '/build/temp/log.do_rootfs.1',
    log: () => undefined,
    warn: (m) => warnings.push(m),
  });
  return { root, report, warnings };
}

/** Path → sha256 of every file under /var/lib (the package database). */
function databaseFiles(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out[p.slice(root.length)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(join(root, 'var/lib'));
  return out;
}

const sh = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' });

for (const format of ['deb', 'ipk', 'rpm'] as const) {
  test(`${format}: preinst, unpack, postinst with $D; pkg_postinst_ontarget saved for first boot`, async (t) => {
    if (!requireTool(t, ...toolsFor(format))) return;
    const built = build(format, BASE);
    const { root, report } = await install(format, built, ['firstboot', 'firstboot2']);
    t.deepEqual(report.packages.map((p) => p.spec.name), ['libdemo', 'app', 'firstboot', 'firstboot2']);
    t.deepEqual(report.ran, ['app']);
    t.deepEqual(report.deferred, [
      { pkg: 'firstboot', script: `/etc/${format}-postinsts/000-firstboot` },
      { pkg: 'firstboot2', script: `/etc/${format}-postinsts/001-firstboot2` },
    ]);
    t.false(existsSync(join(root, 'var/lib/tsbake')));
    t.is(readFileSync(join(root, 'etc/app.env'), 'utf8'), `D=${root} OFFLINE_ROOT=${root} OPKG=${root} IPKG=${root}\n`);
    t.is(readFileSync(join(root, 'var/preinst/libdemo'), 'utf8').trim(), format === 'rpm' ? '1' : 'install');
    t.false(existsSync(join(root, 'etc/firstboot.done')));
    const saved = readFileSync(join(root, `etc/${format}-postinsts/000-firstboot`), 'utf8');
    t.true(saved.includes('echo configured > /etc/firstboot.done'));
    if (format === 'deb') {
      const l = sh('dpkg', [`--root=${root}`, '-l']);
      t.is(l.status, 0, l.stderr);
      t.regex(l.stdout, /^ii {2}app +1\.0-r0/m);
      t.regex(l.stdout, /^iU {2}firstboot +1\.0-r0/m);
      const v = sh('dpkg', [`--root=${root}`, '-V', 'app', 'libdemo']);
      t.is(v.status, 0, v.stdout + v.stderr);
      t.is(v.stdout, '');
      t.is(readFileSync(join(root, 'var/lib/dpkg/info/app.list'), 'utf8'), '/.\n/usr\n/usr/bin\n/usr/bin/app\n');
    } else if (format === 'ipk') {
      const status = readFileSync(join(root, 'var/lib/opkg/status'), 'utf8');
      t.regex(status, /Package: firstboot\nVersion: 1\.0-r0\nDepends: app\nStatus: install user unpacked\nArchitecture: core2-64\nInstalled-Time: 1700000000\n/);
      t.regex(status, /Package: libdemo\nVersion: 1\.0-r0\nStatus: install ok installed\nArchitecture: core2-64\nInstalled-Time: 1700000000\nAuto-Installed: yes\n/);
      t.is(readFileSync(join(root, 'var/lib/opkg/info/app.list'), 'utf8'), '/usr/bin/app\n');
      t.true(existsSync(join(root, 'var/lib/opkg/info/app.postinst')));
    } else {
      const qa = sh('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', '-qa', '--qf', '%{NAME}\n']);
      t.deepEqual(qa.stdout.trim().split('\n').sort(), ['app', 'firstboot', 'firstboot2', 'libdemo']);
      const v = sh('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', '-Va', '--nodeps']);
      t.is(v.status, 0, v.stdout + v.stderr);
    }
  });

  test(`${format}: the same packages give a byte-identical package database`, async (t) => {
    if (!requireTool(t, ...toolsFor(format))) return;
    const built = build(format, BASE);
    const dbs = await Promise.all([0, 1].map(async () => databaseFiles((await install(format, built, ['firstboot'])).root)));
    t.true(Object.keys(dbs[0] ?? {}).length > 0);
    t.deepEqual(dbs[0], dbs[1]);
  });

  test(`${format}: a failing postinst fails the image with oe-core's message, the output and the log`, async (t) => {
    if (!requireTool(t, ...toolsFor(format))) return;
    const e = await t.throwsAsync(install(format, build(format, BASE), ['late', 'app']), { instanceOf: RootfsScriptError });
    t.true(e.message.startsWith("Postinstall scriptlets of ['late'] have failed. If the intention is to defer them to first boot, then please place them into pkg_postinst_ontarget:${PN} ()."), e.message);
    t.regex(e.message, /late postinst \(exit code 1\):\n\| cannot run offline\n/);
    t.regex(e.message, /Details of the failure are in \/build\/temp\/log\.do_rootfs\.1\.$/);
  });

  test(`${format}: ROOTFS_POSTINST_FAILURE = "defer" saves a failing postinst for first boot with a warning`, async (t) => {
    if (!requireTool(t, ...toolsFor(format))) return;
    const { root, report, warnings } = await install(format, build(format, BASE), ['late', 'firstboot'], { failure: 'defer' });
    t.deepEqual(report.deferred.map((d) => d.script), [`/etc/${format}-postinsts/000-late`, `/etc/${format}-postinsts/001-firstboot`]);
    t.regex(warnings.join('\n'), /The postinst of late failed at rootfs time \(exit code 1\); it is deferred to first boot/);
    t.true(existsSync(join(root, `etc/${format}-postinsts/000-late`)));
    if (format === 'deb') t.regex(sh('dpkg', [`--root=${root}`, '-l']).stdout, /^iU {2}late /m);
  });

  test(`${format}: read-only-rootfs with a deferred postinst fails the image`, async (t) => {
    if (!requireTool(t, ...toolsFor(format))) return;
    const e = await t.throwsAsync(install(format, build(format, BASE), ['firstboot'], { readOnly: true }), { instanceOf: RootfsScriptError });
    t.is(e.message, "The following packages could not be configured offline and rootfs is read-only: ['firstboot']");
  });
}

test('deb: a file of another package is overwritten only with RREPLACES', async (t) => {
  if (!requireTool(t, ...toolsFor('deb'))) return;
  const pkgs: FixturePackage[] = [
    { name: 'one', files: { '/usr/bin/tool': 'one' } },
    { name: 'two', depends: ['one'], files: { '/usr/bin/tool': 'two' } },
    { name: 'three', depends: ['one'], replaces: ['one'], files: { '/usr/bin/tool': 'three' } },
  ];
  const built = build('deb', pkgs);
  const e = await t.throwsAsync(install('deb', built, ['two']), { instanceOf: FileConflictError });
  t.is(e.message, "two: trying to overwrite '/usr/bin/tool', which is also in package one");
  const { root } = await install('deb', built, ['three']);
  t.is(readFileSync(join(root, 'usr/bin/tool'), 'utf8'), 'three');
});
