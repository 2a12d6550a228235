/**
 * `tsbake image core-minimal` end to end, for each rootfs format: the bundled layer is built
 * into an image, which is unpacked and entered with chroot; the package database is checked
 * with the real tools; run-postinsts runs in the chroot; the $D rules (failure, legacy
 * setting, read-only-rootfs), conflicts, useradd IDs, no-op rebuilds and reproducibility.
 */
import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PACKAGE_ROOT } from '../../engine/core/package-root.js';
import { hasCommand, requireTool } from '../helpers/host-tools.js';
import { started } from '../run/run-layer.js';

type Format = 'deb' | 'ipk' | 'rpm';
const MAIN = join(PACKAGE_ROOT, 'dist/engine/cli/main.js');
const IMAGE = 'tmp/deploy/images/qemux86-64/core-minimal-qemux86-64.rootfs';

/** A layer with the packages the failure cases add to the image. */
function testLayer(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsbake-imagetest-layer-'));
  const files: Record<string, string> = {
    'conf/layer.conf': 'BBPATH .= ":${LAYERDIR}"\nBBFILES += "${LAYERDIR}/recipes/*.bb ${LAYERDIR}/recipes/*.bbappend"\nBBFILE_COLLECTIONS += "imagetest"\nBBFILE_PATTERN_imagetest = "^${LAYERDIR}/"\nBBFILE_PRIORITY_imagetest = "6"\nLAYERSERIES_COMPAT_imagetest = "tsbake"\n',
    'recipes/offline-fails_1.0.bb': [
      'SUMMARY = "A postinst that cannot run at rootfs time (the older idiom)"',
      'LICENSE = "MIT"',
      'inherit allarch',
      'ALLOW_EMPTY:${PN} = "1"',
      'pkg_postinst:${PN}() {',
      'if [ -n "$D" ]; then',
      '\techo "needs the running target" >&2',
      '\texit 1',
      'fi',
      'echo configured > /etc/offline-fails.done',
      '}',
      '',
    ].join('\n'),
    'recipes/core-minimal.bbappend': 'ROOTFS_POSTPROCESS_COMMAND += "write_motd;"\nwrite_motd() {\n\techo "Welcome to ${DISTRO_NAME}" > ${IMAGE_ROOTFS}/etc/motd\n}\n',
    'recipes/hello-rival_1.0.bb': 'SUMMARY = "Conflicts with hello"\nLICENSE = "MIT"\ninherit allarch\nALLOW_EMPTY:${PN} = "1"\nRCONFLICTS:${PN} = "hello"\n',
  };
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

interface Run {
  readonly status: number;
  readonly out: string;
}

function tsbake(args: readonly string[], cwd: string): Run {
  const r = spawnSync(process.execPath, [MAIN, ...args, '--no-progress'], { cwd, env: { PATH: process.env['PATH'], HOME: process.env['HOME'] }, encoding: 'utf8', timeout: 600_000 });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** A build directory made from tsbake's templates, with `conf` added to local.conf. */
function buildDir(conf: string, layer: string): string {
  const top = mkdtempSync(join(tmpdir(), 'tsbake-image-'));
  spawnSync(process.execPath, [MAIN, 'getvar', 'MACHINE'], { cwd: top, env: { PATH: process.env['PATH'], HOME: process.env['HOME'] } });
  const dir = join(top, 'build');
  appendFileSync(join(dir, 'conf/local.conf'), conf);
  appendFileSync(join(dir, 'conf/bblayers.conf'), `BBLAYERS += "${layer}"\n`);
  return dir;
}

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
const sh = (cmd: string, args: readonly string[]) => spawnSync(cmd, args, { encoding: 'utf8' });

function unpack(build: string): string {
  const root = mkdtempSync(join(tmpdir(), 'tsbake-chroot-'));
  const r = sh('tar', ['-C', root, '-xf', join(build, `${IMAGE}.tar.zst`)]);
  if (r.status !== 0) throw new Error(r.stderr);
  return root;
}

function chroot(root: string, script: string): Run {
  const r = sh('chroot', [root, '/bin/sh', '-c', script]);
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

function toolsOk(t: ExecutionContext, format: Format): boolean {
  if (!requireTool(t, process.getuid?.() === 0, 'root (chroot and owners in the image)')) return false;
  if (!requireTool(t, hasCommand('busybox') || existsSync('/bin/busybox'), 'the Debian package busybox-static')) return false;
  if (format === 'rpm') return requireTool(t, hasCommand('rpm'), 'rpm (Debian package rpm)');
  return requireTool(t, hasCommand('dpkg'), 'dpkg (Debian package dpkg)');
}

/** Installed packages and their states, as the format's own tools report them. */
function database(format: Format, root: string): Map<string, string> {
  if (format === 'deb') {
    const l = sh('dpkg', [`--root=${root}`, '-l']);
    return new Map([...l.stdout.matchAll(/^(\w\w)\s+(\S+)\s/gm)].filter((m) => m[1] !== 'De').map((m) => [m[2] ?? '', m[1] ?? '']));
  }
  if (format === 'ipk') {
    const status = readFileSync(join(root, 'var/lib/opkg/status'), 'utf8');
    return new Map([...status.matchAll(/^Package: (\S+)\n(?:.*\n)*?Status: (.*)$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']));
  }
  const qa = sh('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', '-qa', '--qf', '%{NAME}\n']);
  return new Map(qa.stdout.trim().split('\n').map((n) => [n, 'installed']));
}

const manifestNames = (build: string): string[] =>
  readFileSync(join(build, `${IMAGE}.manifest`), 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '');

for (const format of ['deb', 'ipk', 'rpm'] as const) {
  test.serial(`${format}: tsbake image core-minimal builds an image that runs in a chroot`, async (t) => {
    if (!toolsOk(t, format)) return;
    const layer = testLayer();
    const feeds = `PACKAGE_FEED_URIS = "http://feeds.example.com/tsbake"\nPACKAGE_FEED_BASE_PATHS = "${format}"\n`;
    const build = buildDir(`PACKAGE_CLASSES = "package_${format}"\nEXTRA_IMAGE_FEATURES = "package-management"\nIMAGE_FSTYPES = "tar.zst ext4"\n${feeds}`, layer);
    const first = tsbake(['image', 'core-minimal'], build);
    t.is(first.status, 0, first.out);
    t.regex(first.out, new RegExp(`NOTE: Image tar\\.zst: ${build}/${IMAGE}\\.tar\\.zst \\(\\d+\\.\\d (KiB|MiB)\\)`));
    t.regex(first.out, new RegExp(`Postinsts deferred to first boot \\(run-postinsts\\): pkgdemo \\(/etc/${format}-postinsts/000-pkgdemo\\)`));

    // The programs run in the image, including the one linked against the layer's library.
    const root = unpack(build);
    const run = chroot(root, 'hello && greet tsbake && cat /etc/hostname /etc/motd && . /etc/os-release && echo "$ID $VERSION_ID"');
    t.is(run.status, 0, run.out);
    t.is(run.out, 'Hello from hello 1.0\nHello, tsbake, from libgreet\nqemux86-64\nWelcome to tsbake sample distribution\ntsbake 1.0\n');

    // package-management: the image points its package manager at the feeds.
    const feedConfig = { deb: 'etc/apt/sources.list.d/oe-remote-feeds.list', ipk: 'etc/opkg/base-feeds.conf', rpm: 'etc/yum.repos.d/oe-remote-repo-tsbake-rpm.repo' }[format];
    t.regex(readFileSync(join(root, feedConfig), 'utf8'), new RegExp(`http://feeds\\.example\\.com/tsbake/${format}`));

    // The package database lists every package of the manifest, in its state.
    const names = manifestNames(build);
    t.true(names.includes('greet') && names.includes('libgreet') && names.includes('host-libc'), names.join(' '));
    const db = database(format, root);
    t.deepEqual([...db.keys()].sort(), names);
    if (format === 'deb') {
      t.is(db.get('pkgdemo'), 'iU');
      t.is(db.get('hello'), 'ii');
    } else if (format === 'ipk') {
      t.is(db.get('pkgdemo'), 'install user unpacked');
      t.is(db.get('packagegroup-core-boot'), 'install user installed');
    } else {
      const verify = sh('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', '-V', 'hello', 'greet', 'libgreet', 'busybox', 'host-libc']);
      t.is(verify.status, 0, verify.stdout + verify.stderr);
    }

    // useradd ran at rootfs time, with the recipe's IDs.
    t.regex(readFileSync(join(root, 'etc/passwd'), 'utf8'), /^demo:x:1200:1200::\/home\/demo:\/bin\/sh$/m);
    t.regex(readFileSync(join(root, 'etc/group'), 'utf8'), /^demo:x:1200:$/m);

    // First boot: run-postinsts runs the deferred script once and configures its package.
    const boot = chroot(root, '/usr/sbin/run-postinsts');
    t.is(boot.status, 0, boot.out);
    t.false(existsSync(join(root, `etc/${format}-postinsts`)));
    t.regex(readFileSync(join(root, 'var/lib/pkgdemo/scripts.log'), 'utf8'), /^first boot$/m);
    if (format === 'deb') t.is(database(format, root).get('pkgdemo'), 'ii');
    if (format === 'ipk') t.is(database(format, root).get('pkgdemo'), 'install user installed');
    t.is(chroot(root, '/usr/sbin/run-postinsts').status, 0);
    t.is(readFileSync(join(root, 'var/lib/pkgdemo/scripts.log'), 'utf8').match(/first boot/g)?.length, 1);

    // A second build with no change runs nothing and leaves the same image.
    const image = readlinkSync(join(build, `${IMAGE}.tar.zst`));
    const before = sha(join(build, `${IMAGE}.tar.zst`));
    const again = tsbake(['core-minimal'], build);
    t.is(again.status, 0, again.out);
    t.regex(again.out, /Attempted (\d+) tasks of which \1 didn't need to be rerun and all succeeded/);
    t.is(readlinkSync(join(build, `${IMAGE}.tar.zst`)), image);
    t.is(sha(join(build, `${IMAGE}.tar.zst`)), before);

    // A change to one package rebuilds that package, the rootfs and the image, nothing else.
    if (format === 'deb') {
      appendFileSync(join(build, 'conf/local.conf'), 'DISTRO_VERSION:forcevariable = "1.1"\n');
      const changed = tsbake(['core-minimal'], build);
      t.is(changed.status, 0, changed.out);
      t.deepEqual([...new Set(started(changed.out).map((s) => s.split(':')[0]))].sort(), ['base-files', 'core-minimal']);
      t.true(started(changed.out).includes('core-minimal:do_rootfs'));
    }

    // The $D rules: a postinst that fails at rootfs time fails the image...
    appendFileSync(join(build, 'conf/local.conf'), 'IMAGE_INSTALL:append:pn-core-minimal = " offline-fails"\n');
    const failed = tsbake(['image', 'core-minimal'], build);
    t.not(failed.status, 0);
    t.true(failed.out.includes("Postinstall scriptlets of ['offline-fails'] have failed. If the intention is to defer them to first boot, then please place them into pkg_postinst_ontarget:${PN} ()."), failed.out);
    t.regex(failed.out, /\| needs the running target/);
    t.regex(failed.out, /Details of the failure are in \S+\/temp\/log\.do_rootfs\.\d+\./);

    // ...unless the older rules are asked for: then it waits for first boot, with a warning.
    appendFileSync(join(build, 'conf/local.conf'), 'ROOTFS_POSTINST_FAILURE = "defer"\n');
    const deferred = tsbake(['image', 'core-minimal'], build);
    t.is(deferred.status, 0, deferred.out);
    t.regex(deferred.out, /WARNING: .*The postinst of offline-fails failed at rootfs time \(exit code 1\); it is deferred to first boot/);
    const legacyRoot = unpack(build);
    t.true(existsSync(join(legacyRoot, `etc/${format}-postinsts/000-offline-fails`)));
    t.is(chroot(legacyRoot, '/usr/sbin/run-postinsts').status, 0);
    t.is(readFileSync(join(legacyRoot, 'etc/offline-fails.done'), 'utf8'), 'configured\n');
    if (format === 'deb') t.is(database(format, legacyRoot).get('offline-fails'), 'ii');

    // A read-only rootfs cannot defer anything.
    appendFileSync(join(build, 'conf/local.conf'), 'EXTRA_IMAGE_FEATURES += "read-only-rootfs"\n');
    const readOnly = tsbake(['image', 'core-minimal'], build);
    t.not(readOnly.status, 0);
    t.regex(readOnly.out, /The following packages could not be configured offline and rootfs is read-only: \['offline-fails', 'pkgdemo'\]/);

    // Two packages that conflict cannot share the image.
    appendFileSync(join(build, 'conf/local.conf'), 'EXTRA_IMAGE_FEATURES:remove = "read-only-rootfs"\nIMAGE_INSTALL:append:pn-core-minimal = " hello-rival"\n');
    const conflict = tsbake(['image', 'core-minimal'], build);
    t.not(conflict.status, 0);
    t.regex(conflict.out, /hello-rival conflicts with hello \(RCONFLICTS:hello-rival = "hello"\)/);
  });
}

test.serial('without package-management the image has no package database; two build directories give the same bytes', async (t) => {
  if (!toolsOk(t, 'deb')) return;
  const layer = testLayer();
  const conf = 'PACKAGE_CLASSES = "package_deb"\nIMAGE_FSTYPES = "tar.zst tar.gz ext4 cpio.gz"\n';
  const [a, b] = [buildDir(conf, layer), buildDir(conf, layer)];
  for (const build of [a, b]) {
    const r = tsbake(['image', 'core-minimal'], build);
    t.is(r.status, 0, r.out);
  }
  const root = unpack(a);
  t.false(existsSync(join(root, 'var/lib/dpkg')));
  t.false(existsSync(join(root, 'etc/apt/sources.list.d')), 'no feed configuration without package-management');
  t.true(existsSync(join(root, 'etc/deb-postinsts/000-pkgdemo')));
  for (const type of ['tar.zst', 'tar.gz', 'ext4', 'cpio.gz', 'manifest', 'testdata.json']) {
    t.is(sha(join(a ?? '', `${IMAGE}.${type}`)), sha(join(b ?? '', `${IMAGE}.${type}`)), `${type} differs between the two build directories`);
  }
});
