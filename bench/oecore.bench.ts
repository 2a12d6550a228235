/**
 * openembedded-core benchmark and conformance check: tsbake against real BitBake on a
 * whole oe-core checkout ($TSBAKE_OECORE, else ../openembedded-core), MACHINE=qemux86-64,
 * DISTRO=nodistro (tests/fixtures/oecore/local.conf).
 *
 * - cold and warm `-p`: times (goals: cold <= 1/2 of BitBake's, warm <= 1/10), peak memory,
 *   and whether the summary counts (files, targets, skipped, masked, errors) agree;
 * - getvar: bench/oecore/variables.txt in every recipe of bench/oecore/recipes.txt and every
 *   variable of bench/oecore/recipes-all-vars.txt, through bitbake-values.py and the same
 *   queries in tsbake (with TSBAKE_OECORE_WIDE=1 also recipes-wide.txt, 387 recipes);
 * - `-g core-image-minimal` (with TSBAKE_OECORE_WIDE=1 also `-g world`): pn-buildlist and
 *   task-depends.dot nodes and edges.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PACKAGE_ROOT } from '../engine/core/package-root.js';
import type { Bench, BenchContext, Series } from './harness.js';
import { compareValues, readList, tsbakeValues, type Values } from './oecore/values.js';
import { bitbakeSeries, line, tsbakeSeries } from './parse.bench.js';
import { BITBAKE_ENV, findBitbake, firstLine, TSBAKE, TSBAKE_ENV } from './tools.js';

const HERE = join(PACKAGE_ROOT, 'bench', 'oecore');
const FIXTURE = join(PACKAGE_ROOT, 'tests', 'fixtures', 'oecore');

function findOecore(): string | undefined {
  const dir = process.env['TSBAKE_OECORE'] ?? join(PACKAGE_ROOT, '..', 'openembedded-core');
  return existsSync(join(dir, 'meta', 'conf', 'bitbake.conf')) ? dir : undefined;
}

/** A build directory for oe-core configured like the smoke test's. */
function makeBuild(root: string, name: string, oecore: string): string {
  const build = join(root, name);
  mkdirSync(join(build, 'conf'), { recursive: true });
  writeFileSync(join(build, 'conf', 'bblayers.conf'), readFileSync(join(FIXTURE, 'bblayers.conf'), 'utf8').replaceAll('@OECORE@', oecore));
  writeFileSync(join(build, 'conf', 'local.conf'), readFileSync(join(FIXTURE, 'local.conf'), 'utf8'));
  return build;
}

/** meta/recipes-*\/*\/*.bb: what oe-core's BBFILES names. */
function countRecipes(oecore: string): number {
  const meta = join(oecore, 'meta');
  let n = 0;
  for (const top of readdirSync(meta).filter((d) => d.startsWith('recipes-'))) {
    for (const sub of readdirSync(join(meta, top), { withFileTypes: true })) {
      if (sub.isDirectory()) n += readdirSync(join(meta, top, sub.name)).filter((f) => f.endsWith('.bb')).length;
    }
  }
  return n;
}

const SUMMARY = /Parsing of \d+ \.bb files complete \(\d+ cached, \d+ parsed\)\. (.*)/;
const counts = (s: Series | string | undefined): string | undefined => (s === undefined || typeof s === 'string' ? undefined : SUMMARY.exec(s.runs[0]?.stdout ?? '')?.[1]);

function bitbakeValues(bitbake: string, build: string, recipes: string, variables: string): Values | string {
  const env = { ...BITBAKE_ENV, LC_ALL: 'en_US.UTF-8', PATH: `${dirname(bitbake)}:${process.env['PATH'] ?? ''}` };
  const r = spawnSync('python3', [join(HERE, 'bitbake-values.py'), recipes, variables], { cwd: build, env, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) return `bitbake-values.py failed: ${firstLine(r.stderr)}`;
  return JSON.parse(r.stdout) as Values;
}

function compareGetvar(ctx: BenchContext, label: string, bitbake: string, bbBuild: string, tsBuild: string, recipes: string, variables: string): void {
  const expected = bitbakeValues(bitbake, bbBuild, recipes, variables);
  if (typeof expected === 'string') return ctx.out(`${label} FAILED: ${expected}`);
  const queries = variables === 'ALL' ? Object.fromEntries(Object.entries(expected).map(([r, v]) => [r, Object.keys(v)])) : readList(variables);
  const started = process.hrtime.bigint();
  // PWD as a shell in the build directory has it, like BitBake's run there.
  const actual = tsbakeValues(tsBuild, Object.keys(expected), queries, { ...TSBAKE_ENV, PWD: tsBuild });
  const took = Number(process.hrtime.bigint() - started) / 1e9;
  const c = compareValues(expected, actual, [
    [bbBuild, 'TOPDIR'],
    [tsBuild, 'TOPDIR'],
  ]);
  ctx.out(`${label} recipes ${Object.keys(expected).length} values ${c.compared} agree ${c.agreed} (${((100 * c.agreed) / Math.max(c.compared, 1)).toFixed(2)}%) tsbake ${took.toFixed(1)}s`);
  for (const m of c.mismatches.slice(0, 10)) ctx.note(`  ${m.recipe} ${m.variable}: bitbake ${JSON.stringify(m.expected)?.slice(0, 200)} tsbake ${JSON.stringify(m.actual)?.slice(0, 200)}`);
}

/** The nodes and edges of a task-depends.dot, and the pn-buildlist lines. */
function graphOf(build: string): { nodes: Set<string>; edges: Set<string>; pns: Set<string> } | undefined {
  const dot = join(build, 'task-depends.dot');
  const list = join(build, 'pn-buildlist');
  if (!existsSync(dot) || !existsSync(list)) return undefined;
  const nodes = new Set<string>();
  const edges = new Set<string>();
  for (const l of readFileSync(dot, 'utf8').split('\n')) {
    const edge = /^"([^"]+)" -> "([^"]+)"/.exec(l);
    if (edge) edges.add(`${edge[1]} -> ${edge[2]}`);
    else {
      const node = /^"([^"]+)" \[/.exec(l);
      if (node?.[1]) nodes.add(node[1]);
    }
  }
  return { nodes, edges, pns: new Set(readFileSync(list, 'utf8').split('\n').filter((x) => x !== '')) };
}

const diffCount = (a: Set<string>, b: Set<string>): string => `${[...a].filter((x) => !b.has(x)).length} only-bitbake ${[...b].filter((x) => !a.has(x)).length} only-tsbake`;

function compareGraph(ctx: BenchContext, label: string, target: string, bitbake: string, bbBuild: string, tsBuild: string): void {
  const bb = spawnSync(bitbake, ['-g', target], { cwd: bbBuild, env: BITBAKE_ENV, encoding: 'utf8' });
  const ts = spawnSync(process.execPath, [TSBAKE, '-g', target], { cwd: tsBuild, env: TSBAKE_ENV, encoding: 'utf8' });
  const want = bb.status === 0 ? graphOf(bbBuild) : undefined;
  const got = ts.status === 0 ? graphOf(tsBuild) : undefined;
  if (!want) return ctx.out(`${label} bitbake FAILED: ${firstLine(bb.stderr) || firstLine(bb.stdout)}`);
  if (!got) return ctx.out(`${label} tsbake FAILED: ${firstLine(ts.stderr) || firstLine(ts.stdout)}`);
  const nodes = (g: Set<string>): Set<string> => new Set([...g].map((n) => n.replaceAll(bbBuild, 'TOPDIR').replaceAll(tsBuild, 'TOPDIR')));
  ctx.out(
    `${label} pn-buildlist bitbake ${want.pns.size} tsbake ${got.pns.size} (${diffCount(want.pns, got.pns)})  ` +
      `nodes bitbake ${want.nodes.size} tsbake ${got.nodes.size} (${diffCount(nodes(want.nodes), nodes(got.nodes))})  ` +
      `edges bitbake ${want.edges.size} tsbake ${got.edges.size} (${diffCount(nodes(want.edges), nodes(got.edges))})`,
  );
}

export const oecoreBench: Bench = {
  name: 'oecore',
  description: 'openembedded-core: tsbake -p, getvar and -g core-image-minimal against BitBake',
  async run(ctx) {
    const oecore = findOecore();
    if (!oecore) return ctx.note('oecore: no openembedded-core checkout (set TSBAKE_OECORE); skipped');
    const bitbake = ctx.skipBitbake ? undefined : findBitbake();
    const root = mkdtempSync(join(tmpdir(), 'tsbake-bench-oecore-'));
    try {
      const tsBuild = makeBuild(root, 'tsbake', oecore);
      const bbBuild = makeBuild(root, 'bitbake', oecore);
      const files = countRecipes(oecore);
      ctx.note(`oecore: ${oecore}, ${files} recipes, build directories in ${root}`);
      const tsCache = join(tsBuild, 'tmp', 'cache');
      const tsCold = await tsbakeSeries(ctx, tsBuild, files, true, tsCache);
      const tsWarm = await tsbakeSeries(ctx, tsBuild, files, false, tsCache);
      const bbCold = bitbake ? await bitbakeSeries(ctx, bitbake, bbBuild, true) : undefined;
      const bbWarm = bitbake ? await bitbakeSeries(ctx, bitbake, bbBuild, false) : undefined;
      ctx.out(line('oecore-parse-cold', files, 1 / 2, tsCold, bbCold, true));
      ctx.out(line('oecore-parse-warm', files, 1 / 10, tsWarm, bbWarm, true));
      const tsCounts = counts(tsCold);
      const bbCounts = counts(bbCold);
      ctx.out(`oecore-parse-counts tsbake "${tsCounts ?? '?'}" bitbake "${bbCounts ?? '?'}" ${tsCounts !== undefined && tsCounts === bbCounts ? 'agree' : 'DIFFER'}`);
      if (!bitbake) return;
      compareGetvar(ctx, 'oecore-getvar', bitbake, bbBuild, tsBuild, join(HERE, 'recipes.txt'), join(HERE, 'variables.txt'));
      compareGetvar(ctx, 'oecore-getvar-all', bitbake, bbBuild, tsBuild, join(HERE, 'recipes-all-vars.txt'), 'ALL');
      if (process.env['TSBAKE_OECORE_WIDE'] === '1') compareGetvar(ctx, 'oecore-getvar-wide', bitbake, bbBuild, tsBuild, join(HERE, 'recipes-wide.txt'), join(HERE, 'variables.txt'));
      compareGraph(ctx, 'oecore-graph', 'core-image-minimal', bitbake, bbBuild, tsBuild);
      if (process.env['TSBAKE_OECORE_WIDE'] === '1') compareGraph(ctx, 'oecore-graph-world', 'world', bitbake, bbBuild, tsBuild);
    } finally {
      if (ctx.keep) ctx.note(`kept ${root}`);
      else rmSync(root, { recursive: true, force: true });
    }
  },
};
