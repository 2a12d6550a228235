/**
 * do_package benchmark: a recipe whose do_install copies a ~20,000-file tree (three trees from
 * ../shared/bench/gen-tree.py, 200 MB each) into ${D}; `tsbake -c package -f` then runs the
 * split. The figure is do_package's own time from buildstats (goal: under 2 s), next to
 * `cp -a` of the same ${D} (the copy to ${PKGD} every split starts with) measured in the same
 * run, and the peak memory of the whole tsbake process tree. Each run starts from a workdir
 * without the previous run's split (as a first build does; emptying 40,000 names of a previous
 * run through [cleandirs] is the executor's business, not the split's). do_package is not shared state
 * here: archiving 600 MB is the sstate benchmarks' business, not the split's. The directory is os.tmpdir():
 * TMPDIR=/dev/shm measures without the disk.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../engine/core/package-root.js';
import { measure, median, megabytes, seconds, type Bench } from './harness.js';
import { TSBAKE, TSBAKE_ENV } from './tools.js';

const GEN_TREE = join(PACKAGE_ROOT, '..', 'shared', 'bench', 'gen-tree.py');
const TREES = 3;
const SIZE_MB = 200;
const GOAL_S = 2;

function writeLayer(dir: string, tree: string): void {
  const files: Record<string, string> = {
    'conf/bblayers.conf': `BBPATH = "\${TOPDIR}:${PACKAGE_ROOT}:${PACKAGE_ROOT}/recipes"\nBBFILES ?= ""\nBBLAYERS = "\${TOPDIR}"\n`,
    'conf/layer.conf': 'BBPATH .= ":${LAYERDIR}"\nBBFILES += "${LAYERDIR}/recipes/*.bb"\nBBFILE_COLLECTIONS += "bench"\nBBFILE_PATTERN_bench = "^${LAYERDIR}/"\nBBFILE_PRIORITY_bench = "5"\n',
    'recipes/bigtree_1.0.bb': `LICENSE = "MIT"\nSSTATETASKS:remove = "do_package"\nFILES:\${PN} = "/opt"\ndo_install() {\n\tmkdir -p \${D}/opt\n\tcp -a ${tree}/. \${D}/opt/\n}\n`,
  };
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
}

/** do_package's elapsed time in the newest buildstats directory. */
function taskSeconds(build: string): number {
  const base = join(build, 'tmp/buildstats');
  const newest = readdirSync(base).sort().at(-1) ?? '';
  const text = readFileSync(join(base, newest, 'bigtree-1.0-r0', 'do_package'), 'utf8');
  return Number(/^Elapsed time: ([\d.]+)/m.exec(text)?.[1] ?? Number.NaN);
}

export const packageSplitBench: Bench = {
  name: 'package-split',
  description: `do_package of a ~20,000-file tree (${TREES} x ${SIZE_MB} MB from gen-tree.py) vs cp -a of it`,
  async run(ctx) {
    const dir = mkdtempSync(join(tmpdir(), 'tsbake-bench-package-'));
    try {
      const tree = join(dir, 'tree');
      for (let seed = 1; seed <= TREES; seed++) {
        const gen = spawnSync('python3', [GEN_TREE, '--size-mb', String(SIZE_MB), '--seed', String(seed), '--out', join(tree, `part${seed}`)], { encoding: 'utf8' });
        if (gen.status !== 0) throw new Error(`gen-tree.py failed: ${gen.stderr}`);
        ctx.note(`package-split: part ${seed}: ${gen.stdout.trim().replace(/\n/g, ', ')}`);
      }
      const build = join(dir, 'build');
      writeLayer(build, tree);
      const install = spawnSync(process.execPath, [TSBAKE, '--no-progress', 'bigtree', '-c', 'install'], { cwd: build, env: TSBAKE_ENV, encoding: 'utf8' });
      if (install.status !== 0) throw new Error(`do_install failed: ${install.stdout}${install.stderr}`);
      const image = join(build, 'tmp/work/core2-64/bigtree/1.0-r0/image');
      const files = spawnSync('find', [image, '-type', 'f'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).stdout.split('\n').filter((l) => l !== '').length;
      const task: number[] = [];
      const whole: number[] = [];
      const peaks: number[] = [];
      const copies: number[] = [];
      const workdir = join(image, '..');
      for (let i = 0; i < ctx.runs; i++) {
        // each run splits as a first build does: the previous run's output is not there to empty
        for (const out of ['package', 'packages-split', 'pkgdata']) rmSync(join(workdir, out), { recursive: true, force: true });
        spawnSync('sync', { stdio: 'ignore' });
        const m = await measure(process.execPath, [TSBAKE, '--no-progress', 'bigtree', '-c', 'package', '-f'], { cwd: build, env: TSBAKE_ENV, expectStatus: 0 });
        task.push(taskSeconds(build));
        ctx.note(`package-split: run ${i + 1}: ${/tsbake-timings: .*/.exec(m.stderr)?.[0] ?? ''}  load ${loadavg()[0]?.toFixed(1) ?? '?'}`);
        whole.push(m.wallS);
        peaks.push(m.peakRss);
        const copy = join(dir, `copy-${i}`);
        spawnSync('sync', { stdio: 'ignore' });
        const c = await measure('cp', ['-a', `${image}/.`, `${copy}/`], { cwd: dir, env: process.env, expectStatus: 0 });
        copies.push(c.wallS);
        rmSync(copy, { recursive: true, force: true });
      }
      ctx.note(`package-split: do_package ${task.map((x) => x.toFixed(2)).join(' ')}  cp -a ${copies.map((x) => x.toFixed(2)).join(' ')}`);
      const ts = median(task);
      const cp = median(copies);
      ctx.out(
        [`package-split ${files} files`, `do_package ${seconds(ts)} (goal < ${GOAL_S}s)`, `tsbake -c package ${seconds(median(whole))}`, `cp -a ${seconds(cp)}`, `ratio ${(ts / cp).toFixed(2)}`, `peak ${megabytes(median(peaks))}`].join('  '),
      );
    } finally {
      if (ctx.keep) ctx.note(`kept ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
    }
  },
};
