import test from 'ava';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dotName, dotVersion, pnBuildlist, taskDependsDot, type DotGraphInput } from '../../engine/graph/dot.js';
import { writeDotFiles } from '../../engine/graph/dot-files.js';
import { taskId } from '../../engine/graph/task-id.js';
import { hasCommand, requireTool } from '../helpers/host-tools.js';

const BUSYBOX = '/layers/meta/recipes-core/busybox/busybox_1.36.1.bb';
const ZLIB = '/layers/meta/recipes-core/zlib/zlib_1.3.bb';

/** Given out of order, with a duplicated dependency, to show the output is sorted and unique. */
const graph: DotGraphInput = {
  tasks: [
    { id: taskId('zlib', 'do_compile'), pn: 'zlib', task: 'do_compile', recipeFile: ZLIB, deps: [taskId('zlib', 'do_configure')], version: dotVersion(undefined, '1.3', 'r0') },
    { id: taskId('busybox', 'do_compile'), pn: 'busybox', task: 'do_compile', recipeFile: BUSYBOX, deps: [taskId('zlib', 'do_populate_sysroot'), taskId('busybox', 'do_configure'), taskId('zlib', 'do_populate_sysroot')], version: dotVersion('1', '1.36.1', 'r0') },
    { id: taskId('zlib', 'do_configure'), pn: 'zlib', task: 'do_configure', recipeFile: ZLIB, deps: [], version: ':1.3-r0' },
  ],
};

test('task-depends.dot is BitBake’s format: sorted nodes with labels, each followed by its sorted edges', (t) => {
  t.is(
    taskDependsDot(graph),
    [
      'digraph depends {',
      `"busybox.do_compile" [label="busybox do_compile\\n1:1.36.1-r0\\n${BUSYBOX}"]`,
      '"busybox.do_compile" -> "busybox.do_configure"',
      '"busybox.do_compile" -> "zlib.do_populate_sysroot"',
      `"zlib.do_compile" [label="zlib do_compile\\n:1.3-r0\\n${ZLIB}"]`,
      '"zlib.do_compile" -> "zlib.do_configure"',
      `"zlib.do_configure" [label="zlib do_configure\\n:1.3-r0\\n${ZLIB}"]`,
      '}',
      '',
    ].join('\n'),
  );
  t.is(dotName(taskId('gcc-cross-x86_64', 'do_compile')), 'gcc-cross-x86_64.do_compile');
});

test('pn-buildlist has every PN once, sorted by bytes; empty for an empty graph', (t) => {
  t.is(pnBuildlist(graph), 'busybox\nzlib\n');
  t.is(pnBuildlist({ tasks: [] }), '');
  t.is(taskDependsDot({ tasks: [] }), 'digraph depends {\n}\n');
});

test('quotes and backslashes in paths cannot break the DOT syntax', (t) => {
  const dot = taskDependsDot({ tasks: [{ id: taskId('a', 'do_x'), pn: 'a', task: 'do_x', recipeFile: '/we"ird\\path.bb', deps: [] }] });
  t.true(dot.includes('\\n\\n/we\\"ird\\\\path.bb"]'));
});

test('writeDotFiles writes the files and removes BitBake’s old-format ones', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsbake-dot-'));
  writeFileSync(join(dir, 'pn-depends.dot'), 'stale');
  writeFileSync(join(dir, 'recipe-depends.dot'), 'stale');
  const r = await writeDotFiles(dir, graph, { svg: false });
  t.is(readFileSync(r.taskDepends, 'utf8'), taskDependsDot(graph));
  t.is(r.pnBuildlist === undefined ? '' : readFileSync(r.pnBuildlist, 'utf8'), 'busybox\nzlib\n');
  t.is(r.svg, undefined);
  t.deepEqual(readdirSync(dir).sort(), ['pn-buildlist', 'task-depends.dot']);
});

test.serial('without Graphviz on PATH there is no SVG and no error', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsbake-dot-'));
  const path = process.env['PATH'];
  process.env['PATH'] = mkdtempSync(join(tmpdir(), 'tsbake-empty-path-'));
  try {
    const r = await writeDotFiles(dir, graph);
    t.is(r.svg, undefined);
    t.is(r.svgProblem, undefined);
  } finally {
    process.env['PATH'] = path;
  }
  t.deepEqual(readdirSync(dir).sort(), ['pn-buildlist', 'task-depends.dot']);
});

test.serial('with Graphviz, task-depends.svg is rendered', async (t) => {
  if (!requireTool(t, hasCommand('dot'), 'dot (Debian package graphviz)')) return;
  const dir = mkdtempSync(join(tmpdir(), 'tsbake-dot-'));
  const r = await writeDotFiles(dir, graph);
  t.is(r.svgProblem, undefined);
  t.is(r.svg, join(dir, 'task-depends.svg'));
  const svg = readFileSync(join(dir, 'task-depends.svg'), 'utf8');
  t.regex(svg, /<svg[\s>]/);
  t.true(svg.includes('busybox.do_compile'));
  t.false(readdirSync(dir).some((n) => n.includes('.tmp-')), 'no temp file left');
  t.true(existsSync(r.taskDepends));
});

test('a graph too large for Graphviz to lay out quickly is written without an SVG, saying why', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsbake-dot-'));
  const r = await writeDotFiles(dir, graph, { svgMaxTasks: 2 });
  t.is(r.svg, undefined);
  t.regex(r.svgProblem ?? '', /not rendered: 3 tasks .*\(2\).*dot -Tsvg/);
  t.deepEqual(readdirSync(dir).sort(), ['pn-buildlist', 'task-depends.dot']);
});
