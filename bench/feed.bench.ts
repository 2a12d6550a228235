/**
 * `tsbake package-index` on 5,000 generated packages per format against the indexers oe-core
 * runs: apt-ftparchive for deb and createrepo_c for rpm, measured in the same run by
 * ../shared/bench/baselines.sh on the same packages (its --workdir keeps them between runs).
 * Goals: a full index <= 1x the baseline; a re-index after one package changed (new content,
 * new mtime) <= 0.1x of tsbake's own full index. IPK has no host indexer (opkg-utils is not packaged for Debian):
 * its figures are printed against apt-ftparchive on the same files for orientation.
 * Each index runs as its own process (bench/feed-index-run.ts), like the baseline tools. For
 * the re-index a third line breaks its median time down by phase (wall and CPU ms of the
 * indexing process; `exit` is what the process took outside its phases: spawn and exit), with
 * the load average at the time, since other work on the machine stretches every figure.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../engine/core/package-root.js';
import { measure, median, seconds, series, type Bench, type BenchContext, type Measurement } from './harness.js';
import { TSBAKE_ENV } from './tools.js';

const BASELINES = join(PACKAGE_ROOT, '..', 'shared', 'bench', 'baselines.sh');
const RUNNER = join(PACKAGE_ROOT, 'dist', 'bench', 'feed-index-run.js');
const WORK = process.env['TSBAKE_BENCH_FEEDS'] ?? join(tmpdir(), 'tsbake-bench-feeds');

function baselines(ctx: BenchContext): Map<string, number> {
  mkdirSync(join(WORK, 'empty-tree'), { recursive: true });
  ctx.note(`feed-index: baselines (builds 5,000 debs and rpms on first use in ${WORK}/baselines)`);
  const r = spawnSync('bash', [BASELINES, join(WORK, 'empty-tree'), '--only', 'apt_ftparchive_5000,createrepo_c_5000', '--workdir', join(WORK, 'baselines'), '--runs', String(ctx.runs)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`baselines.sh failed: ${r.stderr}`);
  return new Map(r.stdout.trim().split('\n').map((l) => { const [k, v] = l.split(' '); return [k ?? '', Number(v)]; }));
}

/** A hard-linked copy of the generated packages (renamed to `ext`), without indexes. */
function feedCopy(from: string, to: string, ext: string): string {
  rmSync(to, { recursive: true, force: true });
  const walk = (src: string, dst: string): void => {
    mkdirSync(dst, { recursive: true });
    for (const e of readdirSync(src, { withFileTypes: true })) {
      if (e.isDirectory() && e.name !== 'repodata') walk(join(src, e.name), join(dst, e.name));
      else if (e.isFile() && /\.(deb|rpm)$/.test(e.name)) linkSync(join(src, e.name), join(dst, e.name.replace(/\.(deb|rpm)$/, ext)));
    }
  };
  walk(from, to);
  return to;
}

/** The first two packages of `dir` (depth first). */
function twoPackages(dir: string): [string, string] {
  const found: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (found.length === 2) return;
      if (e.isFile() && /\.(deb|rpm|ipk)$/.test(e.name)) found.push(join(d, e.name));
      else if (e.isDirectory() && e.name !== 'repodata') walk(join(d, e.name));
    }
  };
  walk(dir);
  const [a, b] = found;
  if (!a || !b) throw new Error(`fewer than two packages in ${dir}`);
  return [a, b];
}

/**
 * A real change of one package: its file gets other content (the second package's bytes, or
 * its own again, in turn) and a new mtime, so its index entry and one compressed member change.
 */
function changer(dir: string): () => void {
  const [target, other] = twoPackages(dir);
  const own = readFileSync(target);
  const alien = readFileSync(other);
  let turn = 0;
  let bump = 1_900_000_000;
  return () => {
    const tmp = `${target}.tmp-bench`;
    writeFileSync(tmp, ++turn % 2 === 1 ? alien : own); // a new inode: the hard-linked original stays as it was
    renameSync(tmp, target);
    utimesSync(target, new Date(), new Date(++bump * 1000));
  };
}

interface Phase {
  readonly wall: number;
  readonly cpu: number;
}

/** `phase wall/cpu` medians over `runs` (the runner's second output line), and what the phases leave of the wall time. */
function breakdown(runs: readonly Measurement[]): string {
  const parsed = runs.map((m) => ({ wallMs: m.wallS * 1000, phases: JSON.parse(m.stdout.split('\n')[1] ?? '{}') as Record<string, Phase> }));
  const names = Object.keys(parsed[0]?.phases ?? {});
  const med = (pick: (p: Record<string, Phase>, wallMs: number) => number): string => median(parsed.map((r) => pick(r.phases, r.wallMs))).toFixed(0);
  const sum = (p: Record<string, Phase>): number => Object.values(p).reduce((a, x) => a + x.wall, 0);
  const cols = names.map((n) => `${n} ${med((p) => p[n]?.wall ?? 0)}/${med((p) => p[n]?.cpu ?? 0)}`);
  return `${cols.join(', ')}, exit ${med((p, wallMs) => wallMs - sum(p))}`;
}

async function indexFigures(ctx: BenchContext, format: string, dir: string, baseline: { name: string; seconds: number }): Promise<void> {
  const cache = join(WORK, `cache-${format}.json`);
  const clear = (): void => {
    rmSync(cache, { force: true });
    rmSync(`${cache}.members`, { recursive: true, force: true });
  };
  const run = () => measure(process.execPath, [RUNNER, format, dir, cache], { cwd: WORK, env: TSBAKE_ENV, expectStatus: 0 });
  const full = await series(ctx.runs, clear, run);
  const changed = await series(ctx.runs, changer(dir), run);
  const goal = format === 'ipk' ? 'orientation only' : 'goal <= 1';
  ctx.out(`feed-index ${format} N=5000  tsbake ${seconds(full.wallS)}  ${baseline.name} ${seconds(baseline.seconds)}  ratio ${(full.wallS / baseline.seconds).toFixed(2)} (${goal})`);
  ctx.out(`feed-index ${format} one package changed  tsbake ${seconds(changed.wallS)}  full index ${seconds(full.wallS)}  ratio ${(changed.wallS / full.wallS).toFixed(2)} (goal <= 0.1)`);
  ctx.out(`feed-index ${format} re-index phases, median ms wall/cpu (load ${loadavg().map((l) => l.toFixed(1)).join(' ')}): ${breakdown(changed.runs)}`);
}

export const feedBench: Bench = {
  name: 'feed-index',
  description: 'package-index on 5,000 packages per format against apt-ftparchive and createrepo_c',
  async run(ctx) {
    if (!existsSync(BASELINES)) throw new Error(`missing ${BASELINES}`);
    const base = baselines(ctx);
    const apt = base.get('apt_ftparchive_5000') ?? Number.NaN;
    const createrepo = base.get('createrepo_c_5000') ?? Number.NaN;
    const pkgs = join(WORK, 'baselines', 'pkgs');
    await indexFigures(ctx, 'deb', feedCopy(join(pkgs, 'deb'), join(WORK, 'feeds', 'deb'), '.deb'), { name: 'apt-ftparchive', seconds: apt });
    await indexFigures(ctx, 'rpm', feedCopy(join(pkgs, 'rpm'), join(WORK, 'feeds', 'rpm'), '.rpm'), { name: 'createrepo_c', seconds: createrepo });
    await indexFigures(ctx, 'ipk', feedCopy(join(pkgs, 'deb'), join(WORK, 'feeds', 'ipk'), '.ipk'), { name: 'apt-ftparchive(deb)', seconds: apt });
  },
};
