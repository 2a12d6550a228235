/**
 * Anonymous functions run in TypeScript (inline-python/function-body.ts) must leave the
 * datastore exactly as python3 leaves it. Each case runs the same function twice, once through
 * the InlinePythonHost (TypeScript when it can) and once straight in the python3 worker, and
 * compares every variable and flag it could have touched.
 */
import test, { type ExecutionContext } from 'ava';
import { DataStore } from '../../../engine/metadata/datastore.js';
import { InlinePythonHost } from '../../../engine/metadata/inline-python/host.js';
import type { PythonHost } from '../../../engine/metadata/python-bridge.js';
import { PythonWorker } from '../../../engine/metadata/python/worker-client.js';
import { showValue } from '../../../engine/metadata/value.js';
import { at } from './worker-fixture.js';

const NAME = '__anon_3__l_recipes_a_1_0_bb';
const WHERE = at('/l/recipes/a_1.0.bb', 3);

interface Case {
  readonly title: string;
  /** The function body, each line already indented. */
  readonly body: string;
  /** Run in TypeScript (true) or handed to python3 (false). */
  readonly fast: boolean;
  /** Assignments made before the function runs (`X:append` and the like allowed). */
  readonly setup?: Readonly<Record<string, string>>;
  /** A def the function may call. */
  readonly helper?: string;
}

const GEN_LAYER_ANON = `    pn = d.getVar('PN')
    if pn.endswith('7'):
        d.appendVar('FEATURES', ' lucky')
    d.setVar('ANON_MARK', 'anon-' + pn)
    if bb.utils.contains('FEATURES', 'appended', True, False, d):
        d.setVarFlag('do_compile', 'vardeps', (d.getVarFlag('do_compile', 'vardeps') or '') + ' ANON_MARK')
`;

const CASES: readonly Case[] = [
  { title: 'the gen-layer --python function, branch taken', body: GEN_LAYER_ANON, fast: true, setup: { PN: 'recipe-0017', FEATURES: 'a appended', 'do_compile[vardeps]': 'X' } },
  { title: 'the gen-layer --python function, branch not taken', body: GEN_LAYER_ANON, fast: true, setup: { PN: 'recipe-0010', FEATURES: 'a b' } },
  {
    title: 'if/elif/else, locals, += on str and int, comments and continued lines',
    body: [
      "    # a comment line",
      "    n = len(d.getVar('LIST').split())  # trailing '#' comment",
      '    n += 1',
      "    s = 'x'",
      "    s += '-%d' % n",
      '    if n > 5:',
      "        d.setVar('SIZE', 'big')",
      '    elif n > 2:',
      "        d.setVar('SIZE', 'medium (' +",
      "                 s + ')')",
      '    else:',
      '        pass',
      "    d.setVar('N', n)",
      '',
    ].join('\n'),
    fast: true,
    setup: { LIST: 'a b c' },
  },
  { title: 'an early return skips the rest', body: "    if d.getVar('STOP') == '1':\n        return\n    d.setVar('REACHED', 'yes')\n", fast: true, setup: { STOP: '1' } },
  {
    title: 'setVar stores to_value(): int, bool, None, list and tuple of str, other values as str()',
    body: "    d.setVar('I', 3)\n    d.setVar('B', True)\n    d.setVar('NONE', None)\n    d.setVar('L', ['a', 'b'])\n    d.setVar('T', ('c',))\n    d.setVar('M', [1, 'x'])\n",
    fast: true,
  },
  {
    title: 'setVar drops pending :append unless parsing=True',
    body: "    d.setVar('X', 'a')\n    d.setVar('Y', 'b', parsing=True)\n",
    fast: true,
    setup: { 'X:append': ' x', 'Y:append': ' y' },
  },
  {
    title: 'the append/prepend family, flags and deletions',
    body: [
      "    d.prependVar('P', 'pre-')",
      "    d.appendVar('P', 5)",
      "    d.appendVarFlag('do_x', 'deps', ' b')",
      "    d.prependVarFlag('do_x', 'deps', 'z ')",
      "    d.delVar('GONE')",
      "    d.delVarFlag('do_x', 'doc')",
      '',
    ].join('\n'),
    fast: true,
    setup: { P: 'p', 'do_x[deps]': 'a', 'do_x[doc]': 'text', GONE: 'here' },
  },
  { title: 'tab indentation', body: "\tif True:\n\t\td.setVar('TABS', 'ok')\n", fast: true },
  { title: 'a for loop goes to python3', body: "    for w in (d.getVar('LIST') or '').split():\n        d.appendVar('OUT', ' ' + w)\n", fast: false, setup: { LIST: 'a b' } },
  {
    title: 'a function that stops half way leaves no write behind (python3 runs it once, from the start)',
    body: "    d.appendVar('A', ' once')\n    d.setVar('B', helper(d))\n",
    fast: false,
    setup: { A: 'start' },
    helper: "def helper(d):\n    return 'from-def'\n",
  },
  { title: '+= on a list goes to python3', body: "    l = ['a']\n    m = l\n    l += ['b']\n    d.setVar('M', m)\n", fast: false },
];

const WATCHED = ['PN', 'FEATURES', 'ANON_MARK', 'LIST', 'SIZE', 'N', 'STOP', 'REACHED', 'I', 'B', 'NONE', 'L', 'T', 'M', 'X', 'Y', 'P', 'GONE', 'TABS', 'OUT', 'A'];
const WATCHED_FLAGS: ReadonlyArray<readonly [string, string]> = [
  ['do_compile', 'vardeps'],
  ['do_x', 'deps'],
  ['do_x', 'doc'],
];

/** Runs the case with `host`; every watched variable and flag afterwards (or the error). */
function outcome(t: ExecutionContext, c: Case, fast: boolean): { readonly state: string[]; readonly fastRuns: number } {
  const worker = new PythonWorker();
  t.teardown(() => worker.close());
  const host: PythonHost = fast ? new InlinePythonHost(worker) : worker;
  const store = new DataStore({ python: host, tracking: false });
  for (const [k, v] of Object.entries(c.setup ?? {})) {
    const flag = /^(.*)\[(.*)\]$/.exec(k);
    if (flag) store.setVarFlag(flag[1] ?? '', flag[2] ?? '', v);
    else store.setVar(k, v);
  }
  if (c.helper) host.define(store, { name: 'helper', text: c.helper, where: at('/l/classes/base.bbclass', 1) });
  const text = `def ${NAME}(d):\n${c.body}`;
  host.define(store, { name: NAME, text, where: WHERE });
  store.setVar(NAME, text, { parsing: true });
  let error = '';
  try {
    host.exec(store, `${NAME}(d)`, WHERE);
  } catch (e) {
    error = e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e);
  }
  const state = [
    `error: ${error}`,
    ...WATCHED.map((v) => `${v} = ${showValue(store.getVar(v) ?? null)}`),
    ...WATCHED_FLAGS.map(([v, f]) => `${v}[${f}] = ${showValue(store.getVarFlag(v, f) ?? null)}`),
  ];
  return { state, fastRuns: host.stats().fastRuns };
}

for (const c of CASES) {
  test(`anonymous python in TypeScript: ${c.title}`, (t) => {
    const viaHost = outcome(t, c, true);
    const viaPython = outcome(t, c, false);
    t.is(viaHost.fastRuns, c.fast ? 1 : 0);
    t.deepEqual(viaHost.state, viaPython.state);
    t.is(viaPython.fastRuns, 0);
  });
}

test('anonymous python in TypeScript: an unbound local is python3\'s UnboundLocalError', (t) => {
  const c: Case = { title: 'unbound', body: "    if False:\n        x = 1\n    d.setVar('X', x)\n", fast: false };
  const viaHost = outcome(t, c, true);
  t.regex(viaHost.state[0] ?? '', /PythonError: (cannot access local variable 'x'|local variable 'x' referenced before assignment)/);
  t.deepEqual(viaHost.state, outcome(t, c, false).state);
  t.is(viaHost.fastRuns, 0);
});
