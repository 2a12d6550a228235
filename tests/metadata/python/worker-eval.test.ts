import test from 'ava';
import { ExpansionError, PythonError } from '../../../engine/core/errors.js';
import { fixture } from './worker-fixture.js';

test('the worker is not started until an expression needs python', (t) => {
  const { worker, store } = fixture(t);
  store.setVar('A', 'plain ${B}');
  store.setVar('B', 'text');
  t.is(store.getVar('A'), 'plain text');
  t.false(worker.started);
  store.setVar('C', '${@1 + 2}');
  t.is(store.getVar('C'), '3');
  t.true(worker.started);
  t.is(typeof worker.pid, 'number');
});

test('results are converted with str()', (t) => {
  const { store } = fixture(t);
  const cases: Array<[string, string]> = [
    ['${@None}', 'None'],
    ['${@True}', 'True'],
    ['${@False}', 'False'],
    ['${@[1, "a"]}', "[1, 'a']"],
    ['${@" x ".strip()}', 'x'],
    ['${@  40 + 2  }', '42'],
    ['${@"%s-%s" % ("a", "b")}', 'a-b'],
  ];
  for (const [text, want] of cases) {
    store.setVar('V', text);
    t.is(store.getVar('V'), want, text);
  }
});

test('free names read variables through the DataContext', (t) => {
  const { worker, store } = fixture(t);
  store.setVar('PN', 'busybox');
  store.setVar('PV', '${@PN}-1.0');
  t.is(store.getVar('PV'), 'busybox-1.0');
  // a builtin name is never a variable, even when one is set
  store.setVar('len', 'shadow');
  store.setVar('L', '${@len("abc")}');
  t.is(store.getVar('L'), '3');
  // the context's names (os, bb, time) win over variables of the same name
  store.setVar('os', 'shadow');
  store.setVar('O', '${@os.path.join("a", "b")}');
  t.is(store.getVar('O'), 'a/b');
  // an unset name is a NameError
  const e = t.throws(() => worker.evaluate('UNSET_VARIABLE + "x"', store, 'X'), { instanceOf: PythonError });
  t.is(e?.pythonType, 'NameError');
  t.regex(e?.message ?? '', /UNSET_VARIABLE/);
  // comprehensions see `d` through the globals, as BitBake's better_eval provides
  store.setVar('LIST', 'a b');
  store.setVar('M', '${@" ".join([d.getVar("PN") + w for w in d.getVar("LIST").split()])}');
  t.is(store.getVar('M'), 'busyboxa busyboxb');
});

test('references are the variables named statically', (t) => {
  const { worker, store } = fixture(t);
  store.setVar('DISTRO_FEATURES', 'x11 wayland');
  const out = worker.evaluate(
    'bb.utils.contains("DISTRO_FEATURES", "x11", "yes", "no", d) + (d.getVar("NOPE") or "") + str(d.getVarFlag("do_x", "dirs")) + d.expand("${A}${B}")',
    store,
    'V',
  );
  t.deepEqual(out, { kind: 'value', value: 'yesNone${A}${B}', references: ['DISTRO_FEATURES', 'NOPE', 'do_x', 'A', 'B'] });
});

test('an expression cut inside a string literal stays unexpanded', (t) => {
  const { worker, store } = fixture(t);
  t.deepEqual(worker.evaluate("'abc", store, 'V'), { kind: 'unterminated' });
  store.setVar('V', "${@'a}b'}");
  t.is(store.getVar('V'), "${@'a}b'}");
  // other syntax errors are errors
  const e = t.throws(() => worker.evaluate('1 +', store, 'V'), { instanceOf: PythonError });
  t.is(e?.pythonType, 'SyntaxError');
});

test('exceptions become PythonError with the Python type', (t) => {
  const { worker, store } = fixture(t);
  const cases: Array<[string, string, RegExp]> = [
    ['1/0', 'ZeroDivisionError', /division by zero/],
    ['{}["k"]', 'KeyError', /'k'/],
    ['int("x")', 'ValueError', /invalid literal/],
    ['d.nosuchmethod()', 'AttributeError', /tsbake's d \(DataStore proxy\) has no attribute 'nosuchmethod'/],
    ['bb.utils.foo', 'AttributeError', /^tsbake's bb.utils has no attribute 'foo'$/],
    ['bb.tinfoil', 'AttributeError', /^tsbake's bb has no attribute 'tinfoil'$/],
    ['__import__("sys").exit(3)', 'SystemExit', /3/],
  ];
  for (const [code, type, message] of cases) {
    const e = t.throws(() => worker.evaluate(code, store, 'V'), { instanceOf: PythonError }, code);
    t.is(e?.pythonType, type, code);
    t.regex(e?.message ?? '', message, code);
  }
  // the worker survives all of them
  t.deepEqual(worker.evaluate('"ok"', store, 'V'), { kind: 'value', value: 'ok', references: [] });
  // through getVar, expand.ts reports the failure as an ExpansionError
  store.setVar('BAD', '${@1/0}');
  const ee = t.throws(() => store.getVar('BAD'), { instanceOf: ExpansionError });
  t.regex(ee?.message ?? '', /ZeroDivisionError: division by zero/);
});

test('re-entrancy: d.getVar of a value holding more inline python', (t) => {
  const { store } = fixture(t);
  store.setVar('A', 'a');
  store.setVar('B', '${@d.getVar("A") + "b"}');
  store.setVar('C', '${@d.getVar("B") + "c" + d.expand("${@\'-\' + d.getVar(\'B\')}")}');
  store.setVar('D', '${@d.getVar("C").upper()}');
  t.is(store.getVar('D'), 'ABC-AB');
});

test('a tsbake error inside a callback comes back as itself', (t) => {
  const { store } = fixture(t);
  store.setVar('INNER', '${@no_such_name}');
  store.setVar('OUTER', '${@d.getVar("INNER")}');
  const e = t.throws(() => store.getVar('OUTER'), { instanceOf: ExpansionError });
  t.deepEqual(e?.chain, ['INNER', 'OUTER']);
  t.regex(e?.message ?? '', /NameError/);
  // a cycle through python is still the datastore's cycle error
  store.setVar('LOOP', '${@d.getVar("LOOP2")}');
  store.setVar('LOOP2', '${@d.getVar("LOOP")}');
  t.throws(() => store.getVar('LOOP'), { instanceOf: ExpansionError });
});
