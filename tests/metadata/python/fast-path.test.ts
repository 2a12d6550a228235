/**
 * `${@...}` expressions the TypeScript fast path answers (inline-python/fast-path.ts) must
 * give python3's value: each is evaluated through the InlinePythonHost, which must answer it
 * without python3, and straight in the python3 worker.
 */
import test, { type ExecutionContext } from 'ava';
import { DataStore } from '../../../engine/metadata/datastore.js';
import { InlinePythonHost } from '../../../engine/metadata/inline-python/host.js';
import type { PythonHost } from '../../../engine/metadata/python-bridge.js';
import { PythonWorker } from '../../../engine/metadata/python/worker-client.js';

/** Expressions TypeScript must answer, with python3's value. */
const FAST: readonly string[] = [
  "' '.join([x + ':do_populate_sysroot' for x in d.getVar('DEPS').split()])",
  "[w.upper() for w in d.getVar('DEPS').split() if w != 'b' if w]",
  "[x for x in d.getVar('EMPTY').split()]",
  "[c for c in 'hello']",
  "':'.join('%s/intercepts' % p for p in '/a:/b'.split(':'))",
  "bb.utils.contains_any('DEPS', 'z ' + ' '.join('x.%s' % c for c in 'gz a'.split()), '1', '', d)",
  "sorted(w for w in d.getVar('DEPS').split())",
  "max(len(w) for w in ['a', 'bbb', 'cc'])",
  // the name is the comprehension's own, and gone after it; the iterable is read outside it
  "[[x for x in x] for x in ['ab', 'c']]",
  "[d for d in d.getVar('DEPS').split()]",
];

/** Expressions python3 must answer: a generator where it is not a list's equal, more than one `for`. */
const SLOW: readonly string[] = ["bool(x for x in '')", "[x + y for x in 'ab' for y in 'cd']", "[x for x, y in ['ab']]", "len(x for x in 'ab')"];

/** A python3 worker, the InlinePythonHost in front of it, and a store for each with `vars` set. */
function pair(t: ExecutionContext, vars: Readonly<Record<string, string>> = {}): { readonly host: InlinePythonHost; readonly fast: DataStore; readonly worker: PythonWorker; readonly slow: DataStore } {
  const worker = new PythonWorker();
  t.teardown(() => worker.close());
  const host = new InlinePythonHost(worker);
  const store = (h: PythonHost): DataStore => {
    const s = new DataStore({ python: h, tracking: false });
    for (const [k, v] of Object.entries(vars)) s.setVar(k, v);
    return s;
  };
  return { host, fast: store(host), worker, slow: store(worker) };
}

/** What evaluating `code` gives, or the error it raises, as text. */
function outcome(h: PythonHost, store: DataStore, code: string): string {
  try {
    return JSON.stringify(h.evaluate(code, store, 'V'));
  } catch (e) {
    return e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e);
  }
}

test('comprehensions in TypeScript are python3\'s, and what is not modelled goes to python3', (t) => {
  const { host, fast, worker, slow } = pair(t, { DEPS: 'a b c', EMPTY: '' });
  for (const [codes, answered] of [[FAST, 1], [SLOW, 0]] as const) {
    for (const code of codes) {
      const before = host.stats().fast;
      const got = outcome(host, fast, code);
      t.is(host.stats().fast - before, answered, code);
      t.is(got, outcome(worker, slow, code), code);
    }
  }
});

const NORMPATH = ['', '.', '/', '//', '///', '//a//b/', '///a', 'a/../..', '../a/./b/..', '/../a', '/work/meta/../', 'a/b/../../..', './', 'a//b/./c/'];

test('os.path.normpath in TypeScript is posixpath.normpath', (t) => {
  const { host, fast, worker, slow } = pair(t);
  for (const p of NORMPATH) {
    const code = `os.path.normpath(${JSON.stringify(p)})`;
    const before = host.stats().fast;
    const got = outcome(host, fast, code);
    t.is(host.stats().fast, before + 1, `${code} went to python3`);
    t.is(got, outcome(worker, slow, code), code);
  }
});

interface DefCase {
  readonly title: string;
  /** The body of `def helper(d):`, each line already indented. */
  readonly body: string;
  /** Whether TypeScript answers `${@helper(d)}` (false: it goes to python3). */
  readonly fast: boolean;
}

const DEFS: readonly DefCase[] = [
  { title: 'an early return of a literal', body: "    if d.getVar('INHIBIT', False):\n        return ''\n    return '${BASE}'\n", fast: true },
  { title: 'locals, elif and str methods', body: "    bpn = d.getVar('BPN')\n    if bpn.startswith('python-'):\n        return bpn[7:]\n    elif bpn.startswith('python3-'):\n        return bpn[8:]\n    return bpn\n", fast: true },
  { title: 'no return is None', body: "    x = d.getVar('BPN')\n", fast: true },
  { title: 'a def that writes goes to python3', body: "    d.setVar('WRITTEN', '1')\n    return 'w'\n", fast: false },
  { title: 'a failing def goes to python3', body: "    return d.getVar('UNSET').split()\n", fast: false },
];

for (const c of DEFS) {
  test(`\${@helper(d)} in TypeScript is python3's: ${c.title}`, (t) => {
    const { host, fast, worker, slow } = pair(t, { BPN: 'python3-six', INHIBIT: '${UNSET_TOO}' });
    const text = `def helper(d):\n${c.body}`;
    const results = ([[host, fast], [worker, slow]] as const).map(([h, store]) => {
      h.define(store, { name: 'helper', text, where: { file: '/l/classes/base.bbclass', line: 1 } });
      store.setVar('helper', text, { parsing: true });
      return [outcome(h, store, 'helper(d)'), String(store.getVar('WRITTEN'))];
    });
    t.is(host.stats().fast, c.fast ? 1 : 0);
    t.deepEqual(results[0], results[1]);
  });
}
