/**
 * The task graph built straight from parsed recipes (buildTaskData + buildTaskGraph), on tiny
 * layers. The edges of the main fixture were checked against real BitBake 2.19's `bitbake -g`
 * (identical task-depends.dot edges and pn-buildlist).
 */
import test from 'ava';
import { GraphError, RecipeLookupError } from '../../engine/core/errors.js';
import { asText } from '../../engine/metadata/datastore.js';
import { parseAll } from '../../engine/metadata/parse-all.js';
import { buildTaskData, type TaskData } from '../../engine/graph/taskdata.js';
import { buildTaskGraph, type GraphRequest, type TaskGraph } from '../../engine/graph/task-graph.js';
import type { TaskId } from '../../engine/graph/task-id.js';
import { makeLayer, openLayer } from '../helpers/layer.js';
import { GRAPH_BASE, GRAPH_CONF, graphLayer } from './graph-layer.js';

interface Built {
  readonly td: TaskData;
  readonly graph: TaskGraph;
}

function taskData(dir: string, targets: readonly string[]): TaskData {
  const session = openLayer(dir);
  const summary = parseAll(session);
  if (summary.errors.length) throw summary.errors[0];
  const lookup = (name: string): string | undefined => {
    const v = session.config.store.getVar(name);
    return v === undefined || v === null ? undefined : asText(v);
  };
  return buildTaskData(summary.recipes, targets, lookup);
}

function build(dir: string, targets: readonly string[], req: Partial<GraphRequest> = {}): Built {
  const td = taskData(dir, targets);
  return { td, graph: buildTaskGraph(td, { targets, task: 'do_build', ...req }) };
}

const deps = (g: TaskGraph, id: string): string[] => [...(g.byId.get(id as TaskId)?.deps ?? [])].sort();
const has = (g: TaskGraph, id: string): boolean => g.byId.has(id as TaskId);

// One parse of the main fixture serves the tests that only read it.
let shared: Built | undefined;
const main = (): Built => (shared ??= build(graphLayer(), ['app', 'img', 'img2']));

test('addtask after/before: configure runs before compile because it says so (compile names no after)', (t) => {
  const { graph } = main();
  t.true(deps(graph, 'img:do_compile').includes('img:do_configure'));
  t.deepEqual(deps(graph, 'img:do_configure'), ['img:do_patch']);
  t.deepEqual(deps(graph, 'img:do_install'), ['img:do_compile']);
  t.deepEqual(deps(graph, 'img:do_populate_sysroot'), ['img:do_install']);
});

test('every task comes after its dependencies in graph.nodes, and dependents mirror deps', (t) => {
  const { graph } = main();
  const index = new Map(graph.nodes.map((n, i) => [n.id, i]));
  for (const n of graph.nodes) {
    for (const d of n.deps) {
      t.true((index.get(d) ?? Infinity) < (index.get(n.id) ?? -1), `${d} before ${n.id}`);
      t.true(graph.byId.get(d)?.dependents.includes(n.id), `${d} lists ${n.id} as a dependent`);
    }
  }
  t.deepEqual([...graph.targets].sort(), ['app:do_build', 'img2:do_build', 'img:do_build']);
});

test('deltask removes the task and the edges through it, without reconnecting them', (t) => {
  const { graph, td } = main();
  t.false(td.recipes.get('app')?.tasks.some((x) => x.name === 'do_patch'));
  t.false(has(graph, 'app:do_patch'));
  // app:do_configure was "after do_patch": now it waits only for its [deptask] dependencies,
  // so app's do_fetch and do_unpack are needed by nothing and are not in the graph.
  t.deepEqual(deps(graph, 'app:do_configure'), ['libbar:do_populate_sysroot', 'tool:do_populate_sysroot']);
  t.false(has(graph, 'app:do_unpack'));
  t.false(has(graph, 'app:do_fetch'));
});

test('[depends] = "pn:do_x" adds that task (and pulls its recipe into the build)', (t) => {
  const { graph, td } = main();
  t.deepEqual(deps(graph, 'app:do_compile'), ['app:do_configure', 'helper:do_install']);
  t.true(td.recipes.has('helper'));
  t.deepEqual(td.depends.get('app'), ['libbar', 'tool'], 'a [depends] target is not a DEPENDS');
});

test('[deptask] follows DEPENDS through PROVIDES, PREFERRED_PROVIDER and PREFERRED_VERSION', (t) => {
  const { graph, td } = main();
  t.is(td.buildTargets.get('virtual/lib')?.pn, 'libbar');
  t.is(td.buildTargets.get('tool')?.pv, '1.0');
  t.false(td.recipes.has('libfoo'));
  t.true(deps(graph, 'app:do_configure').includes('libbar:do_populate_sysroot'));
  t.true(deps(graph, 'app:do_configure').includes('tool:do_populate_sysroot'));
  t.is(graph.byId.get('tool:do_compile' as TaskId)?.recipe.file.endsWith('tool_1.0.bb'), true);
});

test('without PREFERRED_* the highest version and the first provider (with a warning) win', (t) => {
  const dir = makeLayer({
    'conf/bitbake.conf': GRAPH_CONF.replace(/^PREFERRED_.*$/gm, ''),
    'classes/base.bbclass': GRAPH_BASE,
    'meta/recipes-x/app/app_1.0.bb': 'DEPENDS = "virtual/lib tool"\n',
    'meta/recipes-x/libfoo/libfoo_1.0.bb': 'PROVIDES = "virtual/lib"\n',
    'meta/recipes-x/libbar/libbar_1.0.bb': 'PROVIDES = "virtual/lib"\n',
    'meta/recipes-x/tool/tool_1.0.bb': '',
    'meta/recipes-x/tool/tool_2.0.bb': '',
  });
  const td = taskData(dir, ['app']);
  t.is(td.buildTargets.get('tool')?.pv, '2.0');
  t.true(['libbar', 'libfoo'].includes(td.buildTargets.get('virtual/lib')?.pn ?? ''));
  t.true(td.warnings.includes('Multiple providers are available for virtual/lib (libbar, libfoo)\nConsider defining a PREFERRED_PROVIDER entry to match virtual/lib'), td.warnings.join('\n'));
});

test('[rdeptask] follows RDEPENDS:${PN}, resolved through another recipe’s package RPROVIDES', (t) => {
  const { graph, td } = main();
  t.is(td.runTargets.get('runtime-thing')?.pn, 'rt');
  t.deepEqual(td.rdepends.get('app'), ['rt']);
  t.deepEqual(deps(graph, 'app:do_package_write'), ['app:do_package', 'rt:do_package']);
});

test('[recrdeptask] is recursive over DEPENDS, RDEPENDS and [depends]; do_build[recrdeptask] = "do_build ..." does not chain the do_builds', (t) => {
  const { graph } = main();
  t.deepEqual(deps(graph, 'app:do_build'), [
    'app:do_package_write',
    'app:do_populate_sysroot',
    'base-lib:do_package_write', // through rt's DEPENDS: recursive
    'helper:do_package_write', // through app:do_compile[depends]
    'libbar:do_package_write',
    'rt:do_package_write',
    'tool:do_package_write',
  ]);
  // The self-reference rule: no do_build depends on another recipe's do_build, so those are
  // not in the graph at all, while the other task the flag names is pulled from every recipe.
  for (const pn of ['base-lib', 'helper', 'libbar', 'rt', 'tool']) t.false(has(graph, `${pn}:do_build`), `${pn}:do_build`);
  t.false(has(graph, 'libfoo:do_package_write'), 'the provider that was not chosen stays out');
});

test('[recideptask] adds the recursion of a task of the same recipe; without it, nothing', (t) => {
  const { graph } = main();
  t.deepEqual(deps(graph, 'img:do_gather'), ['helper2:do_install']);
  t.deepEqual(deps(graph, 'img2:do_gather'), []);
  // do_extra itself is only a source for the recursion, not a dependency.
  t.false(has(graph, 'img:do_extra'));
  t.true(has(graph, 'helper2:do_compile'));
});

test('-c TASK: only that task and what it needs', (t) => {
  const { graph } = build(graphLayer(), ['img'], { task: 'do_compile' });
  t.deepEqual(
    graph.nodes.map((n) => n.id).sort(),
    ['img:do_compile', 'img:do_configure', 'img:do_fetch', 'img:do_patch', 'img:do_unpack'],
  );
  t.deepEqual(graph.targets, ['img:do_compile']);
});

test('--runall adds the task for every recipe in the graph; --runonly keeps only that task and what it needs', (t) => {
  const all = build(graphLayer(), ['rt'], { task: 'do_build', runall: 'fetch' });
  t.true(has(all.graph, 'base-lib:do_fetch'));
  t.true(all.graph.targets.includes('base-lib:do_fetch' as TaskId));
  const only = build(graphLayer(), ['rt'], { task: 'do_build', runonly: 'unpack' });
  t.deepEqual(only.graph.nodes.map((n) => n.id).sort(), ['base-lib:do_fetch', 'base-lib:do_unpack', 'rt:do_fetch', 'rt:do_unpack']);
  t.throws(() => build(graphLayer(), ['rt'], { runonly: 'nonesuch' }), { instanceOf: GraphError, message: /no task do_nonesuch/ });
});

// BitBake 2.19 restarts the marking from the runall tasks alone (repeating until no recipe is
// added): `bitbake -n --runall=fetch rt` runs exactly rt:do_fetch and base-lib:do_fetch.
test('--runall runs only the named task of every recipe in the targets’ graph (and what it needs), as BitBake does', (t) => {
  const all = build(graphLayer(), ['rt'], { task: 'do_build', runall: 'fetch' });
  t.deepEqual(all.graph.nodes.map((n) => n.id).sort(), ['base-lib:do_fetch', 'rt:do_fetch']);
  t.deepEqual([...all.graph.targets].sort(), ['base-lib:do_fetch', 'rt:do_fetch']);
});

test('a target without the requested task is an error that lists its tasks', (t) => {
  t.throws(() => build(graphLayer(), ['rt'], { task: 'do_nonesuch' }), { instanceOf: GraphError, message: /task do_nonesuch does not exist for target rt/ });
});

test('Nothing PROVIDES: the error names the chain of recipes that needed it', (t) => {
  const dir = graphLayer('', { 'meta/recipes-x/top/top_1.0.bb': 'DEPENDS = "mid"\n', 'meta/recipes-x/mid/mid_1.0.bb': 'DEPENDS = "virtual/missing"\n' });
  const e = t.throws(() => taskData(dir, ['top']), { instanceOf: RecipeLookupError });
  t.is(e?.message, "Nothing PROVIDES 'virtual/missing' (needed by mid, which is needed by top)");
  t.throws(() => taskData(dir, ['no-such-target']), { instanceOf: RecipeLookupError, message: "Nothing PROVIDES 'no-such-target'" });
});

test('Nothing RPROVIDES: an RDEPENDS no package provides', (t) => {
  const dir = graphLayer('', { 'meta/recipes-x/top/top_1.0.bb': 'RDEPENDS:${PN} = "ghost-package"\n' });
  t.throws(() => taskData(dir, ['top']), { instanceOf: RecipeLookupError, message: "Nothing RPROVIDES 'ghost-package' (needed by top)" });
});

test('[depends] naming a task the provider does not have is an error', (t) => {
  const dir = graphLayer('', { 'meta/recipes-x/top/top_1.0.bb': 'do_compile[depends] = "helper:do_nonesuch"\n' });
  t.throws(() => build(dir, ['top']), { instanceOf: GraphError, message: /depends upon non-existent task do_nonesuch in helper/ });
});

test('a dependency cycle is an error that prints the cycle', (t) => {
  const dir = graphLayer('', { 'meta/recipes-x/ping/ping_1.0.bb': 'DEPENDS = "pong"\n', 'meta/recipes-x/pong/pong_1.0.bb': 'DEPENDS = "ping"\n' });
  const e = t.throws(() => build(dir, ['ping']), { instanceOf: GraphError });
  const m = /^dependency cycle: (.*)$/.exec(e?.message ?? '');
  t.truthy(m, e?.message);
  const chain = (m?.[1] ?? '').split(' -> ');
  t.true(chain.length > 2);
  t.is(chain[0], chain[chain.length - 1], 'the cycle closes');
  t.true(chain.some((x) => x.startsWith('ping:')) && chain.some((x) => x.startsWith('pong:')));
  // Each step is a real edge of the graph.
  const td = taskData(dir, ['ping']);
  t.deepEqual(td.depends.get('ping'), ['pong']);
  t.true(chain.includes('ping:do_configure') && chain.includes('pong:do_populate_sysroot'));
});

test('a cycle inside one recipe (addtask after each other) is reported too', (t) => {
  const dir = graphLayer('', { 'meta/recipes-x/loop/loop_1.0.bb': 'do_a() {\n\t:\n}\ndo_b() {\n\t:\n}\naddtask a after do_b before do_build\naddtask b after do_a\n' });
  const e = t.throws(() => build(dir, ['loop']), { instanceOf: GraphError });
  t.regex(e?.message ?? '', /^dependency cycle: loop:do_(a|b) -> loop:do_(a|b) -> loop:do_\1$/);
});
