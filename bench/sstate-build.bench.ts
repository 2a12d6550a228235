/**
 * Shared-state build benchmark (issue 5): on a 200-recipe gen-layer tree whose do_package is
 * an sstate task (`gen-layer.py --sstate`), times
 *   - a from-scratch build: empty TMPDIR and empty SSTATE_DIR, every task runs and do_package
 *     writes its archive;
 *   - a no-op rebuild: everything current, nothing runs or is restored;
 *   - a from-sstate rebuild: empty TMPDIR, full SSTATE_DIR, every do_package is restored and
 *     nothing before it runs;
 * and prints the last two as ratios of the first.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { asideDir, removeAside, summaryOf } from './build.bench.js';
import { measure, seconds, series, type Bench, type Measurement, type Series } from './harness.js';
import { generateLayer, TSBAKE, TSBAKE_ENV } from './tools.js';

const N = 200;
const ARCHIVES = N + 1; // every recipe's do_package, and world-all's
const SSTATE = 'sstate-cache'; // gen-layer's SSTATE_DIR, under the build directory

/** The summary line's W(anted) and L(ocal) counts, or undefined when it was not printed. */
function sstateSummary(m: Measurement): { wanted: number; local: number } | undefined {
  const hit = /Sstate summary: Wanted (\d+) Local (\d+)/.exec(m.stdout);
  return hit ? { wanted: Number(hit[1]), local: Number(hit[2]) } : undefined;
}

/** Why a series does not count, or undefined: each kind of run has a known shape. */
function problem(kind: 'scratch' | 'noop' | 'sstate', s: Series, tasks: number): string | undefined {
  for (const m of s.runs) {
    const sum = summaryOf(m);
    if (m.status !== 0 || !sum) return `${kind} build failed (exit ${m.status}): ${(m.stderr || m.stdout).split('\n').slice(-5).join(' | ')}`;
    if (sum.attempted !== tasks) return `${kind}: expected ${tasks} tasks, attempted ${sum.attempted}`;
    if (kind === 'noop' && sum.skipped !== tasks) return `no-op ran ${tasks - sum.skipped} tasks`;
    const st = sstateSummary(m);
    if (kind === 'sstate' && (!st || st.local !== ARCHIVES)) return `from-sstate restored ${st?.local ?? 0} of ${ARCHIVES} do_package archives`;
  }
  return undefined;
}

export const sstateBuildBench: Bench = {
  name: 'sstate-build',
  description: `no-op and from-sstate rebuilds of a ${N}-recipe --sstate gen-layer tree, against its from-scratch build`,
  async run(ctx) {
    const dir = generateLayer('sstate-build', N, ['--sstate']);
    const build = join(dir, 'build');
    const tasks = 6 * N + 7;
    const run = () => measure(process.execPath, [TSBAKE, '--no-progress', 'world-all'], { cwd: build, env: TSBAKE_ENV });
    try {
      ctx.note(`sstate-build N=${N}: layer in ${dir}`);
      await measure(process.execPath, [TSBAKE, '-p'], { cwd: build, env: TSBAKE_ENV }); // fill the parse cache
      const freshTmp = asideDir(build);
      const freshSstate = asideDir(build, SSTATE);
      const scratch = await series(
        ctx.runs,
        () => {
          freshTmp();
          freshSstate();
        },
        run,
      );
      const noop = await series(ctx.runs, () => {}, run);
      const restored = await series(ctx.runs, freshTmp, run);
      const bad = problem('scratch', scratch, tasks) ?? problem('noop', noop, tasks) ?? problem('sstate', restored, tasks);
      if (bad) {
        ctx.out(`sstate-build N=${N}  FAILED: ${bad}`);
        return;
      }
      const ratio = (s: Series): string => (s.wallS / scratch.wallS).toFixed(3);
      ctx.out(
        `sstate-build N=${N} tasks=${tasks}  from-scratch ${seconds(scratch.wallS)}  no-op ${seconds(noop.wallS)} (ratio ${ratio(noop)})  ` +
          `from-sstate ${seconds(restored.wallS)} (ratio ${ratio(restored)}, ${ARCHIVES} archives restored)`,
      );
    } finally {
      removeAside(build);
      if (ctx.keep) ctx.note(`kept ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
    }
  },
};
