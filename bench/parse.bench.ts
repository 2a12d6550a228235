/**
 * Parse benchmark: `tsbake -p` against real BitBake's `bitbake -p` on a generated layer,
 * cold (no parse cache) and warm (second run), plain and with inline Python.
 *
 * Goals, as ratios of BitBake's time in the same run: cold <= 1/8 (1/3 with --python), warm
 * <= 1/15 (1/10 with --python). BitBake comes from $TSBAKE_BITBAKE or ../bitbake beside the
 * repository; without it tsbake's times are still printed. Each line ends with where tsbake's
 * time went (TSBAKE_TIMINGS).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { measure, reapByCwd, seconds, series, type Bench, type BenchContext, type Series } from './harness.js';
import { BITBAKE_ENV, findBitbake, firstLine, generateLayer, rssPart, TSBAKE, TSBAKE_ENV, wherePart } from './tools.js';

interface Variant {
  readonly name: string;
  readonly python: boolean;
  readonly coldGoal: number;
  readonly warmGoal: number;
}

const VARIANTS: readonly Variant[] = [
  { name: '', python: false, coldGoal: 1 / 8, warmGoal: 1 / 15 },
  { name: '-python', python: true, coldGoal: 1 / 3, warmGoal: 1 / 10 },
];

/** "(C cached, P parsed)" and the error count from the summary line, or why the run is unusable. */
export function checkSummary(label: string, m: { status: number; stdout: string; stderr: string }, files: number, cached: number): string | undefined {
  const line = /Parsing of (\d+) \.bb files complete \((\d+) cached, (\d+) parsed\).* (\d+) errors\./.exec(m.stdout);
  if (!line) return `${label} printed no summary (exit ${m.status}): ${firstLine(m.stderr) || firstLine(m.stdout)}`;
  const [, total, c, , errors] = line.map(Number);
  if (errors !== 0 || m.status !== 0) return `${label}: ${errors} errors (exit ${m.status}): ${firstLine(m.stderr)}`;
  if (total !== files || c !== cached) return `${label}: expected ${files} files, ${cached} cached; got: ${line[0]}`;
  return undefined;
}


/**
 * `tsbake -p` in `build`, cold (its parse cache `cacheDir` and the configuration snapshot in
 * `${TOPDIR}/cache` removed before each run, as BitBake's cold runs lose both caches) or warm.
 */
export async function tsbakeSeries(ctx: BenchContext, build: string, files: number, cold: boolean, cacheDir = join(build, 'cache')): Promise<Series | string> {
  const run = () => measure(process.execPath, [TSBAKE, '-p'], { cwd: build, env: { ...TSBAKE_ENV, TSBAKE_PARSE_STATS: '1' } });
  const clear = (): void => {
    for (const d of new Set([cacheDir, join(build, 'cache')])) rmSync(d, { recursive: true, force: true });
  };
  if (!cold) await run(); // fill the cache
  const s = await series(ctx.runs, cold ? clear : () => {}, run);
  for (const m of s.runs) {
    const bad = checkSummary('tsbake', m, files, cold ? 0 : files);
    if (bad) return bad;
  }
  return s;
}

export async function bitbakeSeries(ctx: BenchContext, bitbake: string, build: string, cold: boolean): Promise<Series | string> {
  const run = () => measure(bitbake, ['-p'], { cwd: build, env: BITBAKE_ENV, adoptCwd: [build] });
  // A run is over when its server has gone too; the next must not find it still holding the lock.
  const reap = async (): Promise<void> => {
    await reapByCwd(build);
  };
  const clear = async (): Promise<void> => {
    await reap();
    for (const d of ['cache', 'tmp']) rmSync(join(build, d), { recursive: true, force: true });
  };
  if (!cold) {
    await reap();
    await run();
  }
  try {
    const s = await series(ctx.runs, cold ? clear : reap, run);
    for (const m of s.runs) {
      if (m.status !== 0 || !/Parsing of \d+ \.bb files complete|Loaded \d+ entries from dependency cache/.test(m.stdout)) return `bitbake failed (exit ${m.status}): ${firstLine(m.stderr) || firstLine(m.stdout)}`;
    }
    return s;
  } finally {
    await reap();
  }
}

/**
 * `python per recipe: \${@} 5.0 in TS 0.0 in python3, anonymous functions 1.0 in TS, other python3 runs 0.0`,
 * from the TSBAKE_PARSE_STATS note of the run closest to the median (a cold parse only).
 */
export function pythonPart(s: Series | string): string | undefined {
  if (typeof s === 'string' || s.runs.length === 0) return undefined;
  const run = [...s.runs].sort((a, b) => Math.abs(a.wallS - s.wallS) - Math.abs(b.wallS - s.wallS))[0];
  const m = /python for (\d+) recipe files parsed: \d+ \$\{@\} evaluations \((\d+) in TypeScript, (\d+) in python3;.*?(\d+) anonymous functions run in TypeScript.*?(\d+) other python3 runs/.exec(run?.stderr ?? '');
  if (!m) return undefined;
  const [files, fast, slow, anonFast, runs] = m.slice(1).map(Number);
  if (!files) return undefined;
  const per = (n: number | undefined): string => ((n ?? 0) / files).toFixed(1);
  return `python per recipe: \${@} ${per(fast)} in TS ${per(slow)} in python3, anonymous functions ${per(anonFast)} in TS, other python3 runs ${per(runs)}`;
}

/**
 * `cpu tsbake 0.62s bitbake 5.10s ratio 0.122`: the CPU time of each side's process tree
 * (medians per command, as sampled), which a loaded machine stretches far less than wall
 * time: BitBake's several parser processes get more of two busy CPUs than tsbake's one main
 * thread. The sampler reads /proc every 20 ms, so the last moments of a run are missed: a few
 * percent of a 0.5 s tsbake run, nothing much of BitBake's seconds.
 */
export function cpuPart(ts: Series | string, bb: Series | string | undefined): string | undefined {
  const total = (s: Series | string | undefined): number | undefined => (s === undefined || typeof s === 'string' ? undefined : [...s.cpuByComm.values()].reduce((a, b) => a + b, 0));
  const mine = total(ts);
  const theirs = total(bb);
  if (mine === undefined) return undefined;
  const parts = [`cpu tsbake ${seconds(mine)}`];
  if (theirs !== undefined) parts.push(`bitbake ${seconds(theirs)}`);
  if (theirs) parts.push(`ratio ${(mine / theirs).toFixed(3)}`);
  return parts.join(' ');
}

export function line(label: string, n: number, goal: number, ts: Series | string, bb: Series | string | undefined, python: boolean): string {
  const parts = [`${label} N=${n}`];
  parts.push(typeof ts === 'string' ? `tsbake FAILED: ${ts}` : `tsbake ${seconds(ts.wallS)}`);
  if (bb === undefined) parts.push('bitbake skipped: real BitBake not found (set TSBAKE_BITBAKE)');
  else if (typeof bb === 'string') parts.push(`bitbake FAILED: ${bb}`);
  else {
    parts.push(`bitbake ${seconds(bb.wallS)}`);
    if (typeof ts !== 'string') parts.push(`ratio ${(ts.wallS / bb.wallS).toFixed(3)} (goal <= ${goal.toFixed(3)})`);
  }
  const cpu = cpuPart(ts, bb);
  if (cpu) parts.push(cpu);
  const rss = rssPart(ts, bb);
  if (rss) parts.push(rss);
  const where = wherePart(ts);
  if (where) parts.push(where);
  if (python && typeof ts !== 'string') parts.push(`python-cpu tsbake ${seconds(ts.cpuByComm.get('python3') ?? 0)}`);
  const py = pythonPart(ts);
  if (py) parts.push(py);
  return parts.join('  ');
}

export const parseBench: Bench = {
  name: 'parse',
  description: 'tsbake -p vs bitbake -p, cold and warm, plain and --python layers',
  async run(ctx) {
    const bitbake = ctx.skipBitbake ? undefined : findBitbake();
    if (!bitbake && !ctx.skipBitbake) ctx.note('parse: real BitBake not found (set TSBAKE_BITBAKE); printing tsbake times only');
    if (process.env['NODE_EXTRA_CA_CERTS'] !== undefined) ctx.note('parse: tsbake runs without NODE_EXTRA_CA_CERTS (Node parses that CA bundle at start-up; -p makes no TLS connection)');
    for (const n of ctx.sizes) {
      for (const v of VARIANTS) {
        const dir = generateLayer('parse', n, v.python ? ['--python'] : []);
        const build = join(dir, 'build');
        const files = n + 1; // the generator adds world-all
        try {
          ctx.note(`parse${v.name} N=${n}: layer in ${dir}`);
          const tsCold = await tsbakeSeries(ctx, build, files, true);
          const tsWarm = await tsbakeSeries(ctx, build, files, false);
          const bbCold = bitbake ? await bitbakeSeries(ctx, bitbake, build, true) : undefined;
          const bbWarm = bitbake ? await bitbakeSeries(ctx, bitbake, build, false) : undefined;
          ctx.out(line(`parse-cold${v.name}`, n, v.coldGoal, tsCold, bbCold, v.python));
          ctx.out(line(`parse-warm${v.name}`, n, v.warmGoal, tsWarm, bbWarm, v.python));
        } finally {
          if (ctx.keep) ctx.note(`kept ${dir}`);
          else rmSync(dir, { recursive: true, force: true });
        }
      }
    }
  },
};
