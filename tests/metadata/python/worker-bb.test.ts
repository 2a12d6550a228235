import test from 'ava';
import { FatalError, PythonError, SkipRecipe } from '../../../engine/core/errors.js';
import { at, fixture } from './worker-fixture.js';

test('raise bb.parse.SkipRecipe becomes SkipRecipe', (t) => {
  const { worker, store } = fixture(t);
  const e = t.throws(() => worker.exec(store, 'raise bb.parse.SkipRecipe("incompatible host")', at('/l/r.bb', 3)), { instanceOf: SkipRecipe });
  t.is(e?.message, 'incompatible host');
  t.throws(() => worker.exec(store, 'raise bb.parse.SkipPackage("old name")', at('/l/r.bb', 3)), { instanceOf: SkipRecipe });
  // through an expansion too
  store.setVar('S', '${@bb.parse.SkipRecipe and (_ for _ in ()).throw(bb.parse.SkipRecipe("in expr"))}');
  const s = t.throws(() => store.getVar('S'), { instanceOf: SkipRecipe });
  t.is(s?.message, 'in expr');
});

test('bb.fatal logs and becomes FatalError; other levels are forwarded', (t) => {
  const { worker, store, logs } = fixture(t);
  worker.exec(store, 'bb.note("n", "1")\nbb.warn("w")\nbb.error("e")\nbb.plain("p")\nbb.debug(2, "dbg")\nprint("printed", 3)', at('/l/r.bb', 1));
  t.deepEqual(logs, [
    ['note', 'n1'],
    ['warn', 'w'],
    ['error', 'e'],
    ['plain', 'p'],
    ['debug', 'dbg'],
    ['plain', 'printed 3'],
  ]);
  const e = t.throws(() => worker.exec(store, 'bb.fatal("cannot continue")', at('/l/r.bb', 1)), { instanceOf: FatalError });
  t.is(e?.message, 'cannot continue');
  t.deepEqual(logs[logs.length - 1], ['fatal', 'cannot continue']);
});

test('events fire at handlers whose mask matches', (t) => {
  const { worker, store } = fixture(t);
  const handlers = [
    { name: 'on_parsed', body: '    e.data.setVar("FIRED", e.fn)\n    d.appendVar("WHO", " " + bb.event.getName(e))\n', mask: ['bb.event.RecipeParsed'], where: at('/l/classes/h.bbclass', 10) },
    { name: 'on_all', body: '    d.appendVar("WHO", " all:" + bb.event.getName(e))\n', mask: [], where: at('/l/classes/h.bbclass', 20) },
    { name: 'on_tasks', body: '    d.setVar("TASKS", " ".join(e.tasklist))\n', mask: ['bb.event.RecipeTaskPreProcess'], where: at('/l/classes/h.bbclass', 30) },
  ];
  worker.fire(store, 'RecipePreFinalise', '/l/r.bb', handlers.slice(0, 1));
  t.false(worker.started, 'no handler wanted the event');
  worker.fire(store, 'RecipeParsed', '/l/r.bb', handlers);
  t.is(store.getVar('FIRED'), '/l/r.bb');
  t.is(store.getVar('WHO'), ' RecipeParsed all:RecipeParsed');
  worker.fire(store, 'RecipeTaskPreProcess', '/l/r.bb', handlers, { tasklist: ['do_fetch', 'do_build'] });
  t.is(store.getVar('TASKS'), 'do_fetch do_build');
  const bad = { name: 'bad', body: '    pass\n    raise RuntimeError("handler broke")\n', mask: [], where: at('/l/classes/h.bbclass', 40) };
  const e = t.throws(() => worker.fire(store, 'ConfigParsed', '', [bad]), { instanceOf: PythonError });
  t.is(e?.pythonType, 'RuntimeError');
  t.deepEqual(e?.where, at('/l/classes/h.bbclass', 42));
});

test('bb.utils, bb.data, bb.parse and bb.build helpers', (t) => {
  const { worker, store } = fixture(t);
  store.setVar('DISTRO_FEATURES', 'x11 opengl wayland');
  store.setVar('__inherit_cache', ['/l/classes/base.bbclass', '/l/classes-recipe/cmake.bbclass']);
  store.setVar('do_py', '    d.setVar("RAN", "yes")\n');
  store.setVarFlag('do_py', 'python', '1');
  store.setVar('do_sh', '    echo hi\n');
  const cases: Array<[string, string]> = [
    ['bb.utils.contains("DISTRO_FEATURES", "x11 opengl", "y", "n", d)', 'y'],
    ['bb.utils.contains("DISTRO_FEATURES", ["x11", "vulkan"], "y", "n", d)', 'n'],
    ['bb.utils.contains("UNSET", "x11", "y", "n", d)', 'n'],
    ['bb.utils.contains_any("DISTRO_FEATURES", "vulkan wayland", "y", "n", d)', 'y'],
    ['bb.utils.filter("DISTRO_FEATURES", "wayland x11 vulkan", d)', 'wayland x11'],
    ['bb.utils.to_boolean("Yes")', 'True'],
    ['bb.utils.vercmp_string("1.2.10", "1.2.9")', '1'],
    ['bb.utils.vercmp_string("1.0~rc1", "1.0")', '-1'],
    ['bb.utils.vercmp_string("1:1.0-r0", "2.0-r0")', '1'],
    ['bb.utils.explode_deps("a (>= 1) b c (< 2)")', "['a', 'b', 'c']"],
    ['dict(bb.utils.explode_dep_versions2("b (>= 1.0) a (< 2)"))', "{'a': ['< 2'], 'b': ['>= 1.0']}"],
    ['bb.utils.join_deps(bb.utils.explode_dep_versions2("b (>= 1.0) a"), commasep=False)', 'a b (>= 1.0)'],
    ['bb.utils.prune_suffix("zlib-native", ["-native"], d)', 'zlib'],
    ['bb.utils.which("/bin:/usr/bin", "sh") != ""', 'True'],
    ['bb.data.inherits_class("cmake", d), bb.data.inherits_class("make", d)', '(True, False)'],
    ['bb.parse.vars_from_file("/l/zlib_1.3_r0.bb", d)', "['zlib', '1.3', 'r0']"],
    ['bb.parse.vars_from_file("/l/zlib.bb", d)', "['zlib', None, None]"],
    ['bb.parse.vars_from_file("/l/zlib.conf", d)', '(None, None, None)'],
    ['bb.utils.get_context() is not None and "bb" in bb.utils.get_context()', 'True'],
    ['bb.process.run("echo out")[0]', 'out\n'],
  ];
  for (const [code, want] of cases) {
    const out = worker.evaluate(code, store, 'V');
    t.deepEqual(out.kind === 'value' ? out.value : out.kind, want, code);
  }
  const tooMany = t.throws(() => worker.evaluate('bb.parse.vars_from_file("/l/a_b_c_d.bb", d)', store, 'V'), { instanceOf: PythonError });
  t.is(tooMany?.pythonType, 'ParseError');
  worker.exec(store, 'bb.build.exec_func("do_py", d)', at('/l/r.bb', 1));
  t.is(store.getVar('RAN'), 'yes');
  const sh = t.throws(() => worker.exec(store, 'bb.build.exec_func("do_sh", d)', at('/l/r.bb', 1)), { instanceOf: PythonError });
  t.regex(sh?.message ?? '', /do_sh.*shell functions cannot run during parsing/);
});
