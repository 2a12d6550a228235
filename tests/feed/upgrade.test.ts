/**
 * End to end through the feeds, with images tsbake builds: the bundled layer's core-minimal is
 * built, unpacked and its deploy directory indexed and served by `tsbake feed serve` on
 * loopback. Then pkgdemo's PR is bumped, rebuilt and re-indexed; apt (its own configuration,
 * on the image's dpkg database) and dnf (--installroot on the RPM image) see the upgrade and
 * install it, running the new package's maintainer scripts inside the image root.
 */
import test, { type ExecutionContext } from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PACKAGE_ROOT } from '../../engine/core/package-root.js';
import { isolatedApt, isolatedDnf } from '../helpers/clients.js';
import { hasCommand, requireTool } from '../helpers/host-tools.js';
import { tsbake } from '../helpers/layer.js';

const MAIN = join(PACKAGE_ROOT, 'dist/engine/cli/main.js');
const IMAGE = 'tmp/deploy/images/qemux86-64/core-minimal-qemux86-64.rootfs.tar.zst';

/**
 * A build directory from tsbake's templates with `conf` added, its image (with its package
 * database: package-management) built and unpacked.
 */
function builtImage(t: ExecutionContext, conf: string): { build: string; root: string } | undefined {
  const top = mkdtempSync(join(tmpdir(), 'tsbake-upgrade-'));
  t.is(tsbake(['show-layers'], top, {}).status, 0);
  const build = join(top, 'build');
  appendFileSync(join(build, 'conf', 'local.conf'), `${conf}EXTRA_IMAGE_FEATURES = "package-management"\n`);
  const image = tsbake(['image', 'core-minimal', '--no-progress'], build, {});
  t.is(image.status, 0, image.stderr);
  const root = join(top, 'root');
  mkdirSync(root);
  const untar = spawnSync('tar', ['-C', root, '-xf', join(build, IMAGE)], { encoding: 'utf8' });
  t.is(untar.status, 0, untar.stderr);
  return image.status === 0 && untar.status === 0 ? { build, root } : undefined;
}

/** pkgdemo's PR bumped (a conf override, as a bbappend would), the image rebuilt, the feeds re-indexed. */
function bumpAndReindex(t: ExecutionContext, build: string): void {
  appendFileSync(join(build, 'conf', 'local.conf'), 'PR:pn-pkgdemo = "r1"\n');
  const rebuild = tsbake(['image', 'core-minimal', '--no-progress'], build, {});
  t.is(rebuild.status, 0, rebuild.stderr);
  const index = tsbake(['package-index'], build, {});
  t.is(index.status, 0, index.stderr);
  t.regex(index.stdout, /\([1-9]\d* read, [1-9]\d* from cache\)/, 'only the rebuilt packages are read again');
}

interface Served {
  readonly url: string;
  readonly requests: readonly string[];
  stop(): Promise<void>;
}

/** `tsbake feed serve --port 0` in `build`, once it prints the URL it serves. */
function serve(build: string): Promise<Served> {
  const child = spawn(process.execPath, [MAIN, 'feed', 'serve', '--port', '0'], { cwd: build, env: { PATH: process.env['PATH'], HOME: process.env['HOME'] }, stdio: ['ignore', 'pipe', 'pipe'] });
  const requests: string[] = [];
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`feed serve exited (${String(code)}) before serving: ${stderr}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /^Serving .* at (http:\/\/\S+)$/.exec(line);
      if (m?.[1]) resolve({ url: m[1], requests, stop: () => (child.kill('SIGTERM'), exited) });
      else requests.push(line);
    });
  });
}

/**
 * What oe-core's rpm backend sets up for dnf on a target root: the package architectures
 * (etc/dnf/vars/arch, read by dnf under --installroot) and the database path the image uses
 * (the host's rpm may default to another; a macros file in the HOME dnf runs with).
 */
function rpmTarget(root: string, deployRpm: string): NodeJS.ProcessEnv {
  const archs = readdirSync(deployRpm, { withFileTypes: true }).filter((e) => e.isDirectory() && !['noarch', 'repodata'].includes(e.name)).map((e) => e.name);
  mkdirSync(join(root, 'etc/dnf/vars'), { recursive: true });
  writeFileSync(join(root, 'etc/dnf/vars/arch'), `${archs.join(':')}\n`);
  const home = mkdtempSync(join(tmpdir(), 'tsbake-rpmhome-'));
  writeFileSync(join(home, '.rpmmacros'), '%_dbpath /var/lib/rpm\n');
  return { HOME: home };
}

const missingDeb = ['apt-get', 'dpkg', 'tar', 'zstd'].filter((c) => !hasCommand(c));
const missingRpm = ['dnf', 'rpm', 'tar', 'zstd'].filter((c) => !hasCommand(c));
const isRoot = process.getuid?.() === 0;

/**
 * Builds the image with `conf`, indexes and serves its feeds, bumps pkgdemo's PR, rebuilds
 * and re-indexes, then lets `upgrade` work on the unpacked image; the served request lines
 * come back (undefined when the image could not be built or a tool is missing).
 */
async function upgradeThroughFeed(t: ExecutionContext, conf: string, missing: readonly string[], packages: string, upgrade: (build: string, root: string, server: Served) => Promise<void>): Promise<readonly string[] | undefined> {
  if (!requireTool(t, missing.length === 0, `${missing.join(', ')} (Debian: ${packages})`)) return undefined;
  if (!requireTool(t, isRoot, 'root (the package manager runs the scripts chrooted into the image)')) return undefined;
  const made = builtImage(t, conf);
  if (!made) return undefined;
  const { build, root } = made;
  t.is(tsbake(['package-index'], build, {}).status, 0);
  const server = await serve(build);
  try {
    bumpAndReindex(t, build);
    await upgrade(build, root, server);
  } finally {
    await server.stop();
  }
  return server.requests;
}

test('deb: a PR bump reaches the unpacked image through the served feed; apt-get installs it and runs its scripts in the image', async (t) => {
  const requests = await upgradeThroughFeed(t, 'PACKAGE_CLASSES = "package_deb"\n', missingDeb, 'apt dpkg tar zstd', async (build, root, server) => {
    const deploy = join(build, 'tmp', 'deploy', 'deb');
    const sources = readdirSync(deploy).sort().map((arch) => `deb [trusted=yes] ${server.url}deb/${arch} ./\n`).join('');
    const apt = isolatedApt(sources, { admindir: join(root, 'var/lib/dpkg'), chroot: true });
    const update = await apt.aptGet('update');
    t.is(update.status, 0, update.output);
    const sim = await apt.aptGet('-s', 'install', 'pkgdemo');
    t.regex(sim.output, /^Inst pkgdemo \[1\.0-r0\] \(1\.0-r1 /m, 'apt sees the upgrade');
    const install = await apt.aptGet('install', '-y', 'pkgdemo');
    t.is(install.status, 0, install.output);
    const status = spawnSync('dpkg-query', [`--admindir=${join(root, 'var/lib/dpkg')}`, '-W', '-f', '${Version} ${Status}\n', 'pkgdemo'], { encoding: 'utf8' });
    t.is(status.stdout, '1.0-r1 install ok installed\n');
    // The image's scripts ran at rootfs time ($D set); the upgrade's run inside the image as on the target.
    const log = readFileSync(join(root, 'var/lib/pkgdemo/scripts.log'), 'utf8');
    // (pkgdemo has no configured version: its on-target part was deferred, so postinst gets none.)
    t.is(log, 'preinst install\npostinst configure\npreinst upgrade 1.0-r0 1.0-r1\npostinst configure \nfirst boot\n');
  });
  if (requests) t.true(requests.some((l) => /"GET \/deb\/core2-64\/(\.\/)?pkgdemo_1\.0-r1_amd64\.deb" 200$/.test(l)), requests.join('\n'));
});

test('rpm: a PR bump reaches the unpacked image through the served feed; dnf --installroot upgrades it and runs %post', async (t) => {
  const requests = await upgradeThroughFeed(t, 'PACKAGE_CLASSES = "package_rpm"\n', missingRpm, 'dnf rpm tar zstd', async (build, root, server) => {
    const dnf = isolatedDnf({}, { installroot: root, env: rpmTarget(root, join(build, 'tmp', 'deploy', 'rpm')), setopts: [`--repofrompath=feed,${server.url}rpm`, '--enablerepo=feed', '--setopt=feed.gpgcheck=0', '--setopt=install_weak_deps=False', '--setopt=ignorearch=True'] });
    const check = await dnf('check-upgrade', 'pkgdemo');
    t.is(check.status, 100, check.output);
    t.regex(check.output, /^pkgdemo\.\S+\s+1\.0-r1\s/m, 'dnf sees the upgrade');
    const upgrade = await dnf('upgrade', 'pkgdemo');
    t.is(upgrade.status, 0, upgrade.output);
    t.regex(spawnSync('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', '-q', 'pkgdemo'], { encoding: 'utf8' }).stdout, /^pkgdemo-1\.0-r1\./m);
    const log = readFileSync(join(root, 'var/lib/pkgdemo/scripts.log'), 'utf8');
    t.regex(log, /^preinst 1\npostinst 1\npreinst 2\npostinst 2\nfirst boot\n$/, 'the image ran the scripts as an install, dnf as an upgrade (2 instances), on the target');
  });
  if (requests) t.true(requests.some((l) => /"GET \/rpm\/\S*pkgdemo-1\.0-r1\.\S+\.rpm" 200$/.test(l)), requests.join('\n'));
});

