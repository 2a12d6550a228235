/**
 * The task graph through the CLI: `tsbake -g` writes task-depends.dot and pn-buildlist (the
 * expected edges are what real BitBake 2.19's `bitbake -g app` writes for this layer), and
 * `tsbake -n` walks the graph without running or stamping anything.
 */
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tsbake } from '../helpers/layer.js';
import { graphLayer } from './graph-layer.js';

const chain = (pn: string, tasks: readonly string[]): string[] => {
  const edges: Record<string, string> = {
    unpack: 'fetch',
    patch: 'unpack',
    configure: 'patch',
    compile: 'configure',
    install: 'compile',
    populate_sysroot: 'install',
    package: 'install',
    package_write: 'package',
  };
  return tasks.map((t) => `${pn}.do_${t} -> ${pn}.do_${edges[t] ?? ''}`);
};
const ALL = ['unpack', 'patch', 'configure', 'compile', 'install', 'populate_sysroot', 'package', 'package_write'];
const NO_SYSROOT = ALL.filter((t) => t !== 'populate_sysroot');

/** `bitbake -g app` on graphLayer(): 55 edges. */
const BITBAKE_EDGES = [
  'app.do_build -> app.do_package_write',
  'app.do_build -> app.do_populate_sysroot',
  'app.do_build -> base-lib.do_package_write',
  'app.do_build -> helper.do_package_write',
  'app.do_build -> libbar.do_package_write',
  'app.do_build -> rt.do_package_write',
  'app.do_build -> tool.do_package_write',
  'app.do_compile -> app.do_configure',
  'app.do_compile -> helper.do_install',
  'app.do_configure -> libbar.do_populate_sysroot',
  'app.do_configure -> tool.do_populate_sysroot',
  'app.do_install -> app.do_compile',
  'app.do_package -> app.do_install',
  'app.do_package_write -> app.do_package',
  'app.do_package_write -> rt.do_package',
  'app.do_populate_sysroot -> app.do_install',
  ...chain('base-lib', ALL),
  ...chain('helper', NO_SYSROOT),
  ...chain('libbar', ALL),
  ...chain('rt', NO_SYSROOT),
  'rt.do_configure -> base-lib.do_populate_sysroot',
  ...chain('tool', ALL),
].sort();

test('-g: task-depends.dot has exactly BitBake’s edges, a labelled node per task, and pn-buildlist the recipes', (t) => {
  const dir = graphLayer();
  const r = tsbake(['-g', 'app'], dir, { BBPATH: dir, PATH: '/usr/bin:/bin' });
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /NOTE: PN build list saved to '.*pn-buildlist'/);
  t.regex(r.stdout, /NOTE: Task dependencies saved to '.*task-depends\.dot'/);
  const dot = readFileSync(join(dir, 'task-depends.dot'), 'utf8');
  t.true(dot.startsWith('digraph depends {\n'));
  t.true(dot.endsWith('}\n'));
  const edges = dot.split('\n').filter((l) => l.includes(' -> ')).map((l) => l.replaceAll('"', ''));
  t.is(edges.length, 55);
  t.deepEqual([...edges].sort(), BITBAKE_EDGES);
  const nodes = dot.split('\n').filter((l) => l.includes('[label='));
  t.is(nodes.length, 50);
  t.true(nodes.includes(`"app.do_compile" [label="app do_compile\\n:1.0-r0\\n${dir}/meta/recipes-x/app/app_1.0.bb"]`));
  t.true(nodes.some((l) => l.startsWith('"tool.do_compile"') && l.includes('tool_1.0.bb')), 'PREFERRED_VERSION_tool = "1.0"');
  t.false(dot.includes('app.do_patch'), 'deltask');
  t.false(dot.includes('libfoo'), 'PREFERRED_PROVIDER_virtual/lib = "libbar"');
  t.is(readFileSync(join(dir, 'pn-buildlist'), 'utf8'), 'app\nbase-lib\nhelper\nlibbar\nrt\ntool\n');
  t.false(existsSync(join(dir, 'tmp')), '-g runs nothing');
});

test('-g with -c: the graph of that task only', (t) => {
  const dir = graphLayer();
  t.is(tsbake(['-g', '-c', 'configure', 'rt'], dir).status, 0);
  const edges = readFileSync(join(dir, 'task-depends.dot'), 'utf8').split('\n').filter((l) => l.includes(' -> ')).map((l) => l.replaceAll('"', '')).sort();
  t.deepEqual(edges, [...chain('base-lib', ['unpack', 'patch', 'configure', 'compile', 'install', 'populate_sysroot']), ...chain('rt', ['unpack', 'patch', 'configure']), 'rt.do_configure -> base-lib.do_populate_sysroot'].sort());
  t.is(readFileSync(join(dir, 'pn-buildlist'), 'utf8'), 'base-lib\nrt\n');
});

test('-n walks the whole graph but runs nothing and writes no stamp', (t) => {
  const dir = graphLayer();
  const r = tsbake(['-n', '--no-progress', 'app'], dir);
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /NOTE: Tasks Summary: Attempted 50 tasks of which \d+ didn't need to be rerun and all succeeded\./);
  t.false(existsSync(join(dir, 'tmp/stamps')));
  t.false(existsSync(join(dir, 'tmp/work')));
  t.false(existsSync(join(dir, 'tsbake.lock')));
});

test('missing providers and cycles fail the CLI with BitBake’s words and exit status 2', (t) => {
  const dir = graphLayer('', {
    'meta/recipes-x/top/top_1.0.bb': 'DEPENDS = "mid"\n',
    'meta/recipes-x/mid/mid_1.0.bb': 'DEPENDS = "virtual/missing"\n',
    'meta/recipes-x/rtop/rtop_1.0.bb': 'RDEPENDS:${PN} = "ghost"\n',
    'meta/recipes-x/ping/ping_1.0.bb': 'DEPENDS = "pong"\n',
    'meta/recipes-x/pong/pong_1.0.bb': 'DEPENDS = "ping"\n',
  });
  const missing = tsbake(['-n', 'top'], dir);
  t.is(missing.status, 2);
  t.regex(missing.stderr, /Nothing PROVIDES 'virtual\/missing' \(needed by mid, which is needed by top\)/);
  const rmissing = tsbake(['-n', 'rtop'], dir);
  t.is(rmissing.status, 2);
  t.regex(rmissing.stderr, /Nothing RPROVIDES 'ghost' \(needed by rtop\)/);
  const cycle = tsbake(['-n', 'ping'], dir);
  t.is(cycle.status, 2);
  t.regex(cycle.stderr, /dependency cycle: (p[io]ng:do_\w+ -> )+p[io]ng:do_\w+/);
  t.false(existsSync(join(dir, 'tmp')));
});
