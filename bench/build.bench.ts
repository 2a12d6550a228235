/**
 * Build benchmark: `tsbake world-all` against real BitBake's `bitbake world-all` on a layer
 * from gen-layer.py (N recipes, 6 tasks each, plus world-all: 6N+7 tasks), as a full build
 * (TMPDIR removed before each run) and as a no-op rebuild (everything current).
 *
 * Both parse caches are filled before the first timed run, so the figures are about running
 * tasks and checking stamps, not parsing (the parse bench measures that). Both use the
 * layer's BB_NUMBER_THREADS. Goals, against BitBake in the same run: full-build throughput
 * (tasks/s) >= 8x BitBake's; no-op time <= 1/20 of BitBake's. Peak RSS is summed over each
 * tool's whole process tree (tsbake: node, the task spawner and the tasks; BitBake: client,
 * server and workers). `--skip-bitbake` measures tsbake alone (BitBake's N=1000 build takes
 * minutes).
 */
import { readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { measure, reapByCwd, seconds, series, type Bench, type BenchContext, type Measurement, type Series } from './harness.js';
import { BITBAKE_ENV, findBitbake, firstLine, generateLayer, rssPart, TSBAKE, TSBAKE_ENV, wherePart } from './tools.js';

const FULL_GOAL = 8; // tsbake tasks/s divided by BitBake's, at least
const NOOP_GOAL = 1 / 20; // tsbake seconds divided by BitBake's, at most

export interface Summary {
  readonly attempted: number;
  readonly skipped: number;
}

/** BitBake's (and tsbake's) closing line: "Attempted N tasks of which M didn't need to be rerun and all succeeded." */
export function summaryOf(m: Measurement): Summary | undefined {
  const hit = /Tasks Summary: Attempted (\d+) tasks of which (\d+) didn't need to be rerun and all succeeded\./.exec(m.stdout);
  return hit ? { attempted: Number(hit[1]), skipped: Number(hit[2]) } : undefined;
}

/**
 * Why a run does not count, or undefined. A full build must run (nearly) every task: tsbake
 * counts a noexec task it stamps as "didn't need to be rerun", so one such task is allowed.
 * A no-op must run none.
 */
function problem(label: string, m: Measurement, tasks: number, kind: 'full' | 'noop'): string | undefined {
  const s = summaryOf(m);
  if (m.status !== 0 || !s) return `${label} failed (exit ${m.status}): ${firstLine(m.stderr) || firstLine(m.stdout)}`;
  if (s.attempted !== tasks) return `${label}: expected ${tasks} tasks, attempted ${s.attempted}`;
  if (kind === 'full' && s.skipped > 1) return `${label}: a full build skipped ${s.skipped} tasks`;
  if (kind === 'noop' && s.skipped !== tasks) return `${label}: a no-op build ran ${tasks - s.skipped} tasks`;
  return undefined;
}

interface Pair {
  readonly full: Series | string;
  readonly noop: Series | string;
}

function check(label: string, s: Series, tasks: number, kind: 'full' | 'noop'): Series | string {
  for (const m of s.runs) {
    const bad = problem(label, m, tasks, kind);
    if (bad) return bad;
  }
  return s;
}

/**
 * Makes `build/<name>` (default TMPDIR) fresh for the next run by moving the old one aside
 * (removed after the series by removeAside): on ext4, creating files right after deleting many
 * costs several times more (the allocator skips recently deleted inodes), which would measure
 * the disk, not the tool.
 */
export function asideDir(build: string, name = 'tmp'): () => void {
  let n = 0;
  return () => {
    try {
      renameSync(join(build, name), join(build, `${name}.old-${n++}`));
    } catch {
      // not made yet
    }
  };
}

export function removeAside(build: string): void {
  for (const name of readdirSync(build)) if (/\.old-\d+$/.test(name)) rmSync(join(build, name), { recursive: true, force: true });
}

async function tsbakeSeries(ctx: BenchContext, build: string, tasks: number): Promise<Pair> {
  const run = () => measure(process.execPath, [TSBAKE, '--no-progress', 'world-all'], { cwd: build, env: TSBAKE_ENV });
  await measure(process.execPath, [TSBAKE, '-p'], { cwd: build, env: TSBAKE_ENV }); // fill the parse cache
  const freshTmp = asideDir(build);
  const full = check('tsbake', await series(ctx.runs, freshTmp, run), tasks, 'full');
  if (typeof full === 'string') return { full, noop: 'not measured: the full build failed' };
  return { full, noop: check('tsbake', await series(ctx.runs, () => {}, run), tasks, 'noop') };
}

async function bitbakeSeries(ctx: BenchContext, bitbake: string, build: string, tasks: number): Promise<Pair> {
  const run = () => measure(bitbake, ['world-all'], { cwd: build, env: BITBAKE_ENV, adoptCwd: [build] });
  // A run is over when its server has gone too; the next must not find it holding the lock.
  const reap = async (): Promise<void> => {
    await reapByCwd(build);
  };
  try {
    await reap();
    await measure(bitbake, ['-p'], { cwd: build, env: BITBAKE_ENV, adoptCwd: [build] });
    const aside = asideDir(build);
    const coldTmp = async (): Promise<void> => {
      await reap();
      aside();
    };
    const full = check('bitbake', await series(ctx.runs, coldTmp, run), tasks, 'full');
    if (typeof full === 'string') return { full, noop: 'not measured: the full build failed' };
    return { full, noop: check('bitbake', await series(ctx.runs, reap, run), tasks, 'noop') };
  } finally {
    await reap();
  }
}

const tps = (tasks: number, s: Series): number => tasks / s.wallS;

function bitbakePart(bb: Series | string | undefined, skipped: boolean, text: (s: Series) => string): string {
  if (bb === undefined) return skipped ? 'bitbake skipped (--skip-bitbake)' : 'bitbake skipped: real BitBake not found (set TSBAKE_BITBAKE)';
  return typeof bb === 'string' ? `bitbake FAILED: ${bb}` : `bitbake ${text(bb)}`;
}

/** `build-full N=200  tsbake 7.1s (170 tasks/s)  bitbake 39s (31 tasks/s)  throughput-ratio 5.5 (goal >= 8)  peak-rss ...` */
function fullLine(n: number, tasks: number, ts: Series | string, bb: Series | string | undefined, skipped: boolean): string {
  const fmt = (s: Series): string => `${seconds(s.wallS)} (${tps(tasks, s).toFixed(0)} tasks/s)`;
  const parts = [`build-full N=${n} tasks=${tasks}`, typeof ts === 'string' ? `tsbake FAILED: ${ts}` : `tsbake ${fmt(ts)}`, bitbakePart(bb, skipped, fmt)];
  if (typeof ts !== 'string' && bb && typeof bb !== 'string') parts.push(`throughput-ratio ${(tps(tasks, ts) / tps(tasks, bb)).toFixed(2)} (goal >= ${FULL_GOAL})`);
  const rss = rssPart(ts, bb);
  if (rss) parts.push(rss);
  return parts.join('  ');
}

/** `build-noop N=200  tsbake 0.31s  bitbake 3.6s  ratio 0.085 (goal <= 0.067)  peak-rss ...` */
function noopLine(n: number, tasks: number, ts: Series | string, bb: Series | string | undefined, skipped: boolean): string {
  const fmt = (s: Series): string => seconds(s.wallS);
  const parts = [`build-noop N=${n} tasks=${tasks}`, typeof ts === 'string' ? `tsbake FAILED: ${ts}` : `tsbake ${fmt(ts)}`, bitbakePart(bb, skipped, fmt)];
  if (typeof ts !== 'string' && bb && typeof bb !== 'string') parts.push(`ratio ${(ts.wallS / bb.wallS).toFixed(3)} (goal <= ${NOOP_GOAL.toFixed(3)})`);
  const rss = rssPart(ts, bb);
  if (rss) parts.push(rss);
  const where = wherePart(ts);
  if (where) parts.push(where);
  return parts.join('  ');
}

export const buildBench: Bench = {
  name: 'build',
  description: 'tsbake world-all vs bitbake world-all: full build (fresh TMPDIR) and no-op rebuild',
  async run(ctx) {
    const bitbake = ctx.skipBitbake ? undefined : findBitbake();
    if (!bitbake && !ctx.skipBitbake) ctx.note('build: real BitBake not found (set TSBAKE_BITBAKE); printing tsbake figures only');
    for (const n of ctx.sizes) {
      // Each tool gets a layer of its own, generated fresh, so neither builds where the other deleted.
      const dir = generateLayer('build', n);
      const build = join(dir, 'build');
      const bbDir = bitbake ? generateLayer('build', n) : undefined;
      const tasks = 6 * n + 7; // fetch..package for each recipe, and world-all's own 7 (do_build is noexec)
      try {
        ctx.note(`build N=${n}: layer in ${dir}; ${tasks} tasks`);
        const ts = await tsbakeSeries(ctx, build, tasks);
        removeAside(build);
        if (bitbake) ctx.note(`build N=${n}: running BitBake (${ctx.runs} full builds)`);
        const bb = bitbake && bbDir ? await bitbakeSeries(ctx, bitbake, join(bbDir, 'build'), tasks) : undefined;
        ctx.out(fullLine(n, tasks, ts.full, bb?.full, ctx.skipBitbake));
        ctx.out(noopLine(n, tasks, ts.noop, bb?.noop, ctx.skipBitbake));
      } finally {
        if (ctx.keep) ctx.note(`kept ${dir}${bbDir ? ` and ${bbDir}` : ''}`);
        else for (const d of [dir, bbDir]) if (d) rmSync(d, { recursive: true, force: true });
      }
    }
  },
};
