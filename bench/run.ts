/**
 * `npm run bench [-- --only NAME[,NAME]] [--runs N] [--n 200,1000] [--keep] [--skip-bitbake] [--list]`:
 * runs the benchmarks and prints one line per figure on stdout (notes go to stderr).
 */
import { parseArgs } from 'node:util';
import type { Bench, BenchContext } from './harness.js';
import { buildBench } from './build.bench.js';
import { feedBench } from './feed.bench.js';
import { fetchBench } from './fetch.bench.js';
import { imageBench, rootfsInstallBench } from './image.bench.js';
import { oecoreBench } from './oecore.bench.js';
import { packageSplitBench } from './package-split.bench.js';
import { packageWriteBench } from './package-write.bench.js';
import { parseBench } from './parse.bench.js';
import { prservBench } from './prserv.bench.js';
import { sstateBuildBench } from './sstate-build.bench.js';
import { sstateManageBench } from './sstate-manage.bench.js';
import { sstateRestoreBench } from './sstate-restore.bench.js';

const BENCHES: readonly Bench[] = [parseBench, buildBench, sstateBuildBench, sstateRestoreBench, sstateManageBench, fetchBench, packageSplitBench, packageWriteBench, feedBench, prservBench, imageBench, rootfsInstallBench, oecoreBench];

const USAGE = `usage: npm run bench -- [--only NAME[,NAME]] [--runs N] [--n N[,N]] [--keep] [--skip-bitbake] [--list]
  --only   benchmarks to run (default: all): ${BENCHES.map((b) => b.name).join(', ')}
  --runs   measured runs per figure; the median is printed (default 3)
  --n      layer sizes in recipes (default 1000)
  --keep   keep the generated layers
  --skip-bitbake  measure tsbake only (no BitBake baseline)
  --list   list the benchmarks`;

function positiveInts(text: string, what: string): number[] {
  const out = text.split(',').map((s) => Number.parseInt(s, 10));
  if (out.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`${what} must be positive integers, not '${text}'`);
  return out;
}

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      only: { type: 'string' },
      runs: { type: 'string', default: '3' },
      n: { type: 'string', default: '1000' },
      keep: { type: 'boolean', default: false },
      'skip-bitbake': { type: 'boolean', default: false },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (values.list) {
    for (const b of BENCHES) process.stdout.write(`${b.name}\t${b.description}\n`);
    return 0;
  }
  const wanted = values.only?.split(',').filter((s) => s !== '');
  const unknown = wanted?.filter((w) => !BENCHES.some((b) => b.name === w)) ?? [];
  if (unknown.length) {
    process.stderr.write(`unknown benchmark: ${unknown.join(', ')}\n${USAGE}\n`);
    return 2;
  }
  const ctx: BenchContext = {
    runs: positiveInts(values.runs, '--runs')[0] ?? 3,
    sizes: positiveInts(values.n, '--n'),
    keep: values.keep,
    skipBitbake: values['skip-bitbake'],
    out: (line) => process.stdout.write(line + '\n'),
    note: (line) => process.stderr.write(`# ${line}\n`),
  };
  for (const b of BENCHES) {
    if (wanted && !wanted.includes(b.name)) continue;
    await b.run(ctx);
  }
  return 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
