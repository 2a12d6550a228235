import test from 'ava';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PythonError } from '../../../engine/core/errors.js';
import { at, fixture } from './worker-fixture.js';

test('a def is callable from later expressions; defining starts nothing', (t) => {
  const { worker, store } = fixture(t);
  worker.define(store, { name: 'twice', text: 'def twice(s):\n    return s + s\n', where: at('/l/classes/base.bbclass', 3) });
  t.false(worker.started);
  store.setVar('X', '${@twice("ab")}');
  t.is(store.getVar('X'), 'abab');
  // later defs see earlier ones, and a redefinition replaces
  worker.define(store, { name: 'quad', text: 'def quad(s):\n    return twice(twice(s))\n', where: at('/l/classes/base.bbclass', 9) });
  worker.define(store, { name: 'twice', text: 'def twice(s):\n    return s + "|" + s\n', where: at('/l/classes/base.bbclass', 12) });
  store.setVar('Y', '${@quad("a")}');
  t.is(store.getVar('Y'), 'a|a|a|a');
});

test('recipe contexts are isolated; configuration defs are visible to all', (t) => {
  const { worker, store: config } = fixture(t);
  worker.define(config, { name: 'cfg', text: 'def cfg():\n    return "config"\n', where: at('/l/conf/x.conf', 1) });
  const a = config.createCopy();
  const b = config.createCopy();
  worker.define(a, { name: 'only_a', text: 'def only_a():\n    return "A"\n', where: at('/l/a.bb', 1) });
  worker.define(b, { name: 'cfg', text: 'def cfg():\n    return "overridden in b"\n', where: at('/l/b.bb', 1) });
  const ev = (s: typeof config, code: string): string => {
    const out = worker.evaluate(code, s, undefined);
    return out.kind === 'value' ? out.value : 'unterminated';
  };
  t.is(ev(a, 'only_a() + cfg()'), 'Aconfig');
  t.is(ev(b, 'cfg()'), 'overridden in b');
  const e = t.throws(() => ev(b, 'only_a()'), { instanceOf: PythonError });
  t.is(e?.pythonType, 'NameError');
  t.is(ev(config, 'cfg()'), 'config');
  t.throws(() => ev(config, 'only_a()'), { instanceOf: PythonError });
  // a := copy of a recipe shares the recipe's context
  t.is(ev(a.createCopy(), 'only_a()'), 'A');
  t.is(ev(a, 'only_a()'), 'A');
});

test('many recipe contexts: switching and eviction keep each one right', (t) => {
  const { worker, store: config } = fixture(t);
  worker.define(config, { name: 'base', text: 'def base():\n    return "b"\n', where: at('/l/base.bbclass', 1) });
  const recipes = Array.from({ length: 45 }, (_, i) => {
    const r = config.createCopy();
    worker.define(r, { name: 'me', text: `def me():\n    return base() + "${i}"\n`, where: at(`/l/r${i}.bb`, 1) });
    return r;
  });
  for (let round = 0; round < 2; round++) {
    recipes.forEach((r, i) => {
      const out = worker.evaluate('me()', r, undefined);
      t.is(out.kind === 'value' ? out.value : '', `b${i}`);
    });
  }
  // a def added to a recipe after its context was built reaches the worker too
  const first = recipes[0];
  if (!first) throw new Error('no recipe');
  worker.define(first, { name: 'late', text: 'def late():\n    return me() + "late"\n', where: at('/l/r0.bb', 9) });
  const out = worker.evaluate('late()', first, undefined);
  t.is(out.kind === 'value' ? out.value : '', 'b0late');
});

test('anonymous-function style exec: datastore semantics come from the DataStore', (t) => {
  const { worker, store } = fixture(t);
  store.setVar('A', 'base');
  store.setVar('A:append', ' pending');
  store.setVar('B', 'b');
  store.setVar('B:append', ' kept');
  const code = [
    'x = d.getVar("A")',
    'd.setVar("SEEN", x)',
    'd.setVar("A", "reset")',
    'd.appendVar("B", " more")',
    'd.prependVar("B", "pre ")',
    'd.setVarFlag("do_x", "dirs", "${B}")',
    'd.appendVarFlag("do_x", "dirs", " /y")',
    'vals = [d.getVar(v) for v in ("SEEN",)]',
    'd.setVar("LIST", vals)',
    'd.setVar("NUM", 7)',
    'd.setVar("OBJ", {"k": 1})',
  ].join('\n');
  worker.exec(store, code, at('/l/r.bb', 20));
  t.is(store.getVar('SEEN'), 'base pending');
  t.is(store.getVar('A'), 'reset'); // a d.setVar drops the pending :append
  t.is(store.getVar('B'), 'pre b kept more');
  t.is(store.getVarFlag('do_x', 'dirs', false), '${B} /y');
  t.deepEqual(store.getVar('LIST'), ['base pending']);
  t.is(store.getVar('NUM'), 7);
  t.is(store.getVar('OBJ'), "{'k': 1}");
});

test('the d proxy: flags, keys, items, copies, renames', (t) => {
  const { worker, store } = fixture(t);
  store.setVar('K1', 'v1');
  store.setVarFlag('K1', 'doc', 'documented');
  store.setVarFlag('K1', 'dirs', '${K1}/d');
  const code = [
    'assert "K1" in d and "NOPE" not in d and 1 not in d, "contains"',
    'assert d.get("NOPE", "dflt") == "dflt" and dict(d.items())["K1"] == "v1"',
    'assert "K1" in d.keys() and "K1" in list(d), "keys"',
    'assert d["K1"] == "v1"',
    'try:\n    d["NOPE"]\n    raise AssertionError("no KeyError")\nexcept KeyError:\n    pass',
    'flags = d.getVarFlags("K1", expand=["dirs"])',
    'assert flags == {"doc": "documented", "dirs": "v1/d"}, flags',
    'assert d.getVarFlags("NOPE") is None',
    'c = d.createCopy()',
    'c.setVar("K1", "copy")',
    'assert d.getVar("K1") == "v1" and c.getVar("K1") == "copy"',
    'd["K2"] = "two"',
    'd.renameVar("K2", "K3")',
    'del d["K1"]',
    'd.setVar("N", len(d) > 0)',
    'd.setVar("EXP", d.expand("${K3}!"))',
    'd.setVar("LOCAL", "K3" in list(d.localkeys()))',
  ].join('\n');
  worker.exec(store, code, at('/l/r.bb', 1));
  t.is(store.getVar('K1'), undefined);
  t.is(store.getVar('K2'), undefined);
  t.is(store.getVar('K3'), 'two');
  t.is(store.getVar('N'), true);
  t.is(store.getVar('EXP'), 'two!');
  t.is(store.getVar('LOCAL'), true);
});

test('python writes are recorded in history at the running metadata line', (t) => {
  const { worker, store } = fixture(t, true);
  worker.define(store, { name: 'setter', text: 'def setter(d):\n    d.setVar("H2", "from def")\n', where: at('/l/classes/c.bbclass', 40) });
  worker.exec(store, 'd.setVar("H", "x")\nsetter(d)', at('/l/r.bb', 10));
  t.deepEqual(
    store.history('H').map((h) => [h.op, h.file, h.line]),
    [['set', '/l/r.bb', 10]],
  );
  t.deepEqual(
    store.history('H2').map((h) => [h.file, h.line]),
    [['/l/classes/c.bbclass', 41]],
  );
});

test('errors in defs name the metadata file and line', (t) => {
  const { worker, store } = fixture(t);
  worker.define(store, { name: 'boom', text: 'def boom(d):\n    x = 1\n    return x / 0\n', where: at('/l/classes/b.bbclass', 20) });
  const e = t.throws(() => worker.evaluate('boom(d)', store, 'V'), { instanceOf: PythonError });
  t.is(e?.pythonType, 'ZeroDivisionError');
  t.deepEqual(e?.where, { file: '/l/classes/b.bbclass', line: 22 });
  const x = t.throws(() => worker.exec(store, 'a = 1\nb = undefined_thing', at('/l/r.bb', 7)), { instanceOf: PythonError });
  t.deepEqual(x?.where, { file: '/l/r.bb', line: 8 });
});

test('a def that does not compile breaks its context, every time', (t) => {
  const { worker, store: config } = fixture(t);
  const recipe = config.createCopy();
  worker.define(recipe, { name: 'bad', text: 'def bad(:\n    pass\n', where: at('/l/r.bb', 30) });
  for (let i = 0; i < 2; i++) {
    const e = t.throws(() => worker.evaluate('1', recipe, 'V'), { instanceOf: PythonError });
    t.is(e?.pythonType, 'SyntaxError');
    t.is(e?.where?.file, '/l/r.bb');
    t.is(e?.where?.line, 30);
  }
  // the configuration context is untouched
  t.deepEqual(worker.evaluate('1', config, 'V'), { kind: 'value', value: '1', references: [] });
});

test('a d kept past its call fails clearly', (t) => {
  const { worker, store } = fixture(t);
  worker.exec(store, 'import builtins\nbuiltins.kept_d = d', at('/l/r.bb', 1));
  const e = t.throws(() => worker.exec(store, 'kept_d.getVar("A")', at('/l/r.bb', 2)));
  t.regex(e?.message ?? '', /no longer valid/);
});

test('addpylib imports a layer module into the context, with BBIMPORTS', (t) => {
  const { worker, store } = fixture(t);
  const lib = mkdtempSync(join(tmpdir(), 'tsbake-pylib-'));
  t.teardown(() => rmSync(lib, { recursive: true, force: true }));
  mkdirSync(join(lib, 'tsbtestlib'));
  writeFileSync(join(lib, 'tsbtestlib', '__init__.py'), 'BBIMPORTS = ["helpers"]\n');
  writeFileSync(join(lib, 'tsbtestlib', 'helpers.py'), 'def greet(d):\n    return "hi " + d.getVar("PN")\n\ndef fail():\n    raise ValueError("from lib")\n');
  store.setVar('LIBDIR', lib);
  store.setVar('BB_GLOBAL_PYMODULES', 'json');
  store.setVar('PN', 'zlib');
  worker.addPyLib(store, '${LIBDIR}', 'tsbtestlib');
  t.false(worker.started);
  store.setVar('G', '${@tsbtestlib.helpers.greet(d)} ${@json.dumps(1)}');
  t.is(store.getVar('G'), 'hi zlib 1');
  const e = t.throws(() => worker.evaluate('tsbtestlib.helpers.fail()', store, 'V'), { instanceOf: PythonError });
  t.deepEqual(e?.where, { file: join(lib, 'tsbtestlib', 'helpers.py'), line: 5 });
  // a recipe copy sees the pylib too
  const recipe = store.createCopy();
  worker.define(recipe, { name: 'r', text: 'def r():\n    return "r"\n', where: at('/l/r.bb', 1) });
  const out = worker.evaluate('tsbtestlib.helpers.greet(d) + r()', recipe, undefined);
  t.is(out.kind === 'value' ? out.value : '', 'hi zlibr');
});
