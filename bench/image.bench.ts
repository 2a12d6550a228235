/**
 * Image benchmarks (issue 17):
 *  - image: `tsbake image core-minimal` of the bundled layer from scratch (empty TMPDIR and
 *    SSTATE_DIR), from a full sstate cache with an empty TMPDIR (goal < 10 s, no do_compile)
 *    and as a no-op rebuild (goal < 1 s);
 *  - rootfs-install: assembling a rootfs of 500 generated .deb packages (each with files, a
 *    dependency and a postinst) with tsbake's install engine, against
 *    `dpkg --root --force-script-chrootless -i` of the same packages (goal: ratio <= 1).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../engine/core/package-root.js';
import type { PackageSpec } from '../engine/package/model/spec.js';
import { asideDir, removeAside, summaryOf } from './build.bench.js';
import { measure, seconds, series, type Bench, type Measurement, type Series } from './harness.js';
import type { BenchFeed } from './rootfs-install-run.js';
import { TSBAKE, TSBAKE_ENV } from './tools.js';

const IMAGE_GOALS = { sstate: 10, noop: 1 };

function imageProblem(kind: string, s: Series, ranCompile: boolean): string | undefined {
  for (const m of s.runs) {
    if (m.status !== 0 || !summaryOf(m)) return `${kind} failed (exit ${m.status}): ${(m.stderr || m.stdout).split('\n').slice(-5).join(' | ')}`;
    if (!ranCompile && /do_compile\)/.test(m.stdout)) return `${kind} ran a do_compile`;
  }
  return undefined;
}

export const imageBench: Bench = {
  name: 'image',
  description: 'tsbake image core-minimal: from scratch, from a full sstate cache with an empty TMPDIR, and a no-op rebuild',
  async run(ctx) {
    const top = mkdtempSync(join(tmpdir(), 'tsbake-bench-image-'));
    spawnSync(process.execPath, [TSBAKE, 'getvar', 'MACHINE'], { cwd: top, env: TSBAKE_ENV });
    const build = join(top, 'build');
    const run = (): Promise<Measurement> => measure(process.execPath, [TSBAKE, 'image', 'core-minimal', '--no-progress'], { cwd: build, env: TSBAKE_ENV });
    try {
      await measure(process.execPath, [TSBAKE, '-p'], { cwd: build, env: TSBAKE_ENV }); // fill the parse cache
      const freshTmp = asideDir(build);
      const freshSstate = asideDir(build, 'sstate-cache');
      const scratch = await series(ctx.runs, () => (freshTmp(), freshSstate()), run);
      const restored = await series(ctx.runs, freshTmp, run);
      const noop = await series(ctx.runs, () => undefined, run);
      const bad = imageProblem('from-scratch', scratch, true) ?? imageProblem('from-sstate', restored, false) ?? imageProblem('no-op', noop, false);
      if (bad) {
        ctx.out(`image core-minimal  FAILED: ${bad}`);
        return;
      }
      const goal = (s: Series, limit: number): string => `${s.wallS < limit ? 'meets' : 'MISSES'} goal < ${limit} s`;
      ctx.out(
        `image core-minimal  from-scratch ${seconds(scratch.wallS)}  from-sstate ${seconds(restored.wallS)} (ratio ${(restored.wallS / scratch.wallS).toFixed(3)}, ${goal(restored, IMAGE_GOALS.sstate)})  ` +
          `no-op ${seconds(noop.wallS)} (ratio ${(noop.wallS / scratch.wallS).toFixed(3)}, ${goal(noop, IMAGE_GOALS.noop)})`,
      );
    } finally {
      removeAside(build);
      if (ctx.keep) ctx.note(`kept ${top}`);
      else rmSync(top, { recursive: true, force: true });
    }
  },
};

const PACKAGES = 500;
const FILES_PER_PACKAGE = 6;

function benchSpec(name: string, depends: readonly string[]): PackageSpec {
  return {
    name,
    recipe: name,
    version: { epoch: '', version: '1.0', release: 'r0' },
    arch: 'core2-64',
    summary: name,
    description: name,
    section: 'base',
    priority: 'optional',
    license: 'MIT',
    homepage: '',
    maintainer: 'bench <bench@example.com>',
    relations: { depends: depends.map((d) => ({ name: d })), recommends: [], suggests: [], provides: [], conflicts: [], replaces: [] },
    scripts: {},
    conffiles: [],
    files: [],
    installedSize: 0,
    sourceDateEpoch: 1700000000,
  };
}

/** 500 .deb files (dpkg-deb, gzip members), each depending on its predecessor within a group of ten. */
function generateFeed(dir: string): BenchFeed {
  const packages: Array<{ spec: PackageSpec; file: string }> = [];
  for (let i = 0; i < PACKAGES; i++) {
    const name = `bench-pkg${String(i).padStart(3, '0')}`;
    const depends = i % 10 === 0 ? [] : [`bench-pkg${String(i - 1).padStart(3, '0')}`];
    const tree = join(dir, 'trees', name);
    mkdirSync(join(tree, 'DEBIAN'), { recursive: true });
    mkdirSync(join(tree, 'usr/share', name), { recursive: true });
    mkdirSync(join(tree, 'usr/bin'), { recursive: true });
    for (let f = 0; f < FILES_PER_PACKAGE; f++) writeFileSync(join(tree, 'usr/share', name, `data${f}`), `${name} ${f}\n`.repeat(64));
    writeFileSync(join(tree, 'usr/bin', name), `#!/bin/sh\necho ${name}\n`, { mode: 0o755 });
    writeFileSync(join(tree, 'DEBIAN/control'), `Package: ${name}\nVersion: 1.0-r0\nArchitecture: all\nMaintainer: bench <bench@example.com>\n${depends.length ? `Depends: ${depends.join(', ')}\n` : ''}Description: ${name}\n`);
    // Both installers run it on the host: tsbake sets D, dpkg DPKG_ROOT.
    writeFileSync(join(tree, 'DEBIAN/postinst'), `#!/bin/sh\nset -e\nroot="\${D:-$DPKG_ROOT}"\nmkdir -p "$root/var/lib/bench"\necho configured > "$root/var/lib/bench/${name}"\n`);
    chmodSync(join(tree, 'DEBIAN/postinst'), 0o755);
    const file = join(dir, 'debs', `${name}_1.0-r0_all.deb`);
    mkdirSync(join(dir, 'debs'), { recursive: true });
    const r = spawnSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', tree, file], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`dpkg-deb: ${r.stderr}`);
    packages.push({ spec: benchSpec(name, depends), file });
  }
  return { packages };
}

/** An empty dpkg database under `root`, as dpkg needs one to install into. */
function emptyDpkgRoot(root: string): void {
  for (const d of ['var/lib/dpkg/info', 'var/lib/dpkg/updates', 'var/lib/dpkg/triggers']) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'var/lib/dpkg/status'), '');
  writeFileSync(join(root, 'var/lib/dpkg/available'), '');
}

export const rootfsInstallBench: Bench = {
  name: 'rootfs-install',
  description: `rootfs assembly of ${PACKAGES} generated .deb packages: tsbake's install engine against dpkg --root --force-script-chrootless -i`,
  async run(ctx) {
    if (spawnSync('sh', ['-c', 'command -v dpkg-deb && command -v dpkg'], { stdio: 'ignore' }).status !== 0) {
      ctx.out('rootfs-install  SKIPPED: needs dpkg and dpkg-deb (Debian package dpkg)');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'tsbake-bench-rootfs-'));
    try {
      ctx.note(`rootfs-install: generating ${PACKAGES} packages in ${dir}`);
      const feed = generateFeed(dir);
      const feedFile = join(dir, 'feed.json');
      writeFileSync(feedFile, JSON.stringify(feed));
      let n = 0;
      const fresh = (): string => {
        const root = join(dir, `root-${n++}`);
        rmSync(root, { recursive: true, force: true });
        return root;
      };
      let root = '';
      const runner = join(PACKAGE_ROOT, 'dist/bench/rootfs-install-run.js');
      const ours = await series(ctx.runs, () => void (root = fresh()), () => measure(process.execPath, [runner, feedFile, root, `${root}.scratch`], { cwd: dir, env: TSBAKE_ENV, expectStatus: 0 }));
      const dpkg = await series(
        ctx.runs,
        () => {
          root = fresh();
          emptyDpkgRoot(root);
        },
        () => measure('dpkg', [`--root=${root}`, '--force-script-chrootless', '--force-not-root', '-i', ...feed.packages.map((p) => p.file)], { cwd: dir, env: { ...process.env, PATH: `${process.env['PATH'] ?? ''}:/usr/sbin:/sbin` }, expectStatus: 0 }),
      );
      ctx.out(`rootfs-install N=${PACKAGES}  tsbake ${seconds(ours.wallS)}  dpkg ${seconds(dpkg.wallS)}  ratio ${(ours.wallS / dpkg.wallS).toFixed(3)} (goal <= 1)`);
    } finally {
      if (ctx.keep) ctx.note(`kept ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
    }
  },
};
