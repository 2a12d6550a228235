/**
 * Package writer benchmark: the tree of `../shared/bench/gen-tree.py --size-mb 200`, under
 * /opt/bench, written as one package by each tsbake writer (zstd level 3, each in its own
 * process: bench/package-write-child.ts) against `../shared/bench/baselines.sh` figures
 * measured in the same run, alternating: DEB against `dpkg-deb --build -Zzstd -z3` (goal
 * <= 1.0x), RPM against `rpmbuild -bb` with a w3.zstdio payload (<= 0.5x), IPK and TAR
 * against `tar | zstd -3 -T1` (<= 1.2x). Then each writer's peak memory on a 1 GB tree,
 * which must not grow with the payload. baselines.sh needs hyperfine (Debian: hyperfine). Each
 * line ends with the 1-minute load average: on a shared machine the ratios move with it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../engine/core/package-root.js';
import { median, megabytes, seconds, type Bench, type BenchContext } from './harness.js';
import { TSBAKE_ENV } from './tools.js';
import { treeSpec } from './tree-spec.js';

const SHARED = join(PACKAGE_ROOT, '..', 'shared', 'bench');
const CHILD = join(PACKAGE_ROOT, 'dist', 'bench', 'package-write-child.js');

const FORMATS = [
  { format: 'deb', baseline: 'dpkg_deb_zstd', goal: 1.0 },
  { format: 'rpm', baseline: 'rpmbuild_zstd3', goal: 0.5 },
  { format: 'ipk', baseline: 'tar_zstd3', goal: 1.2 },
  { format: 'tar', baseline: 'tar_zstd3', goal: 1.2 },
] as const;

/** A gen-tree.py tree of `mb` MiB at `<dir>/payload/opt/bench` and its spec file (`<dir>/spec.json`). */
function makeTree(dir: string, mb: number, ctx: BenchContext): Tree {
  const payload = join(dir, 'payload');
  mkdirSync(join(payload, 'opt'), { recursive: true });
  const gen = spawnSync('python3', [join(SHARED, 'gen-tree.py'), '--size-mb', String(mb), '--out', join(payload, 'opt', 'bench')], { encoding: 'utf8' });
  if (gen.status !== 0) throw new Error(`gen-tree.py failed: ${gen.stderr}`);
  ctx.note(`package-write: ${mb} MB tree: ${gen.stdout.trim().replace(/\n/g, ', ')}`);
  const spec = join(dir, 'spec.json');
  writeFileSync(spec, JSON.stringify(treeSpec(payload, 'tsbake-bench')));
  return { payload, spec };
}

interface Tree {
  readonly payload: string;
  readonly spec: string;
}

interface Written {
  readonly wallS: number;
  /** The writer process's own peak (getrusage), as it reports it. */
  readonly peakRss: number;
}

/**
 * One package write in a child process, timed from spawn to exit, in the environment every
 * benchmarked tsbake command gets (TSBAKE_ENV: without NODE_EXTRA_CA_CERTS, whose CA bundle
 * Node would load while it boots). No /proc sampling: a sampler would compete for the CPU with
 * the writer, and the baselines run without one.
 */
async function writeOnce(format: string, tree: Tree, out: string): Promise<Written> {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const start = process.hrtime.bigint();
  const child = spawn(process.execPath, [CHILD, format, tree.spec, tree.payload, out], { cwd: out, env: TSBAKE_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (text += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (text += s));
  const [code] = (await once(child, 'close')) as [number | null];
  const wallS = Number(process.hrtime.bigint() - start) / 1e9;
  const peak = /^peak-rss (\d+)$/m.exec(text);
  if (code !== 0 || !peak) throw new Error(`package-write ${format} failed (exit ${String(code)}): ${text.slice(-500)}`);
  return { wallS, peakRss: Number(peak[1]) };
}

/** One baselines.sh figure (its own median of one run: we take the median over ours). */
function baselineOnce(name: string, tree: string): number {
  const r = spawnSync('bash', [join(SHARED, 'baselines.sh'), tree, '--runs', '1', '--only', name], { encoding: 'utf8' });
  const m = /^(\S+) ([\d.]+)$/m.exec(r.stdout);
  if (r.status !== 0 || !m) throw new Error(`baselines.sh ${name} failed: ${r.stderr.slice(-500)}`);
  return Number(m[2]);
}

export const packageWriteBench: Bench = {
  name: 'package-write',
  description: 'DEB/RPM/IPK/TAR writers vs dpkg-deb, rpmbuild and tar | zstd on a 200 MB tree; peak memory at 200 MB and 1 GB',
  async run(ctx) {
    const dir = mkdtempSync(join(tmpdir(), 'tsbake-bench-pkg-'));
    try {
      const small = makeTree(join(dir, '200'), 200, ctx);
      const tree = join(small.payload, 'opt', 'bench');
      for (const { format, baseline, goal } of FORMATS) {
        const ours: Written[] = [];
        const theirs: number[] = [];
        for (let i = 0; i < ctx.runs; i++) {
          ours.push(await writeOnce(format, small, join(dir, 'out')));
          theirs.push(baselineOnce(baseline, tree));
        }
        const t = median(ours.map((m) => m.wallS));
        const b = median(theirs);
        const ratio = t / b;
        ctx.out(`package-write ${format} 200MB  tsbake ${seconds(t)}  ${baseline} ${seconds(b)}  ratio ${ratio.toFixed(2)} (goal <= ${goal})  peak-rss ${megabytes(median(ours.map((m) => m.peakRss)))}  load ${loadavg()[0]?.toFixed(1) ?? '?'}`);
      }
      rmSync(join(dir, '200'), { recursive: true, force: true });
      if (process.env['TSBAKE_BENCH_SKIP_1G'] === '1') return;
      const big = makeTree(join(dir, '1024'), 1024, ctx);
      for (const { format } of FORMATS) {
        const m = await writeOnce(format, big, join(dir, 'out'));
        ctx.out(`package-write ${format} 1GB  tsbake ${seconds(m.wallS)}  peak-rss ${megabytes(m.peakRss)}  load ${loadavg()[0]?.toFixed(1) ?? '?'}`);
      }
    } finally {
      if (!ctx.keep) rmSync(dir, { recursive: true, force: true });
      else ctx.note(`package-write: kept ${dir}`);
    }
  },
};
