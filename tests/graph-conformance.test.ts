/**
 * `tsbake -g` against real BitBake 2.19: each case in tests/graph-cases (made by
 * tests/graph-cases/generate.py, which ran `bitbake ARGS` on the case's files) holds what
 * BitBake wrote: task-depends.dot's nodes and edges and pn-buildlist, or the errors it
 * reported. tsbake must write the same graph, or fail with the same "Nothing PROVIDES".
 */
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import PQueue from 'p-queue';
import { PACKAGE_ROOT } from '../engine/core/package-root.js';
import { hasCommand, requireTool } from './helpers/host-tools.js';

const CASES = join(PACKAGE_ROOT, 'tests', 'graph-cases');
/** The cases generate.py makes today: fewer means some went missing. */
const KNOWN_CASES = 397;

interface GraphCase {
  readonly name: string;
  readonly description: string;
  readonly files: Readonly<Record<string, string>>;
  readonly args: readonly string[];
  readonly expected:
    | { readonly status: 0; readonly pnBuildlist: readonly string[] | null; readonly nodes: readonly string[]; readonly edges: readonly string[]; readonly notes: readonly string[] }
    | { readonly status: number; readonly errors: readonly string[] };
}

const cases: GraphCase[] = existsSync(CASES)
  ? readdirSync(CASES)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => JSON.parse(readFileSync(join(CASES, f), 'utf8')) as GraphCase)
  : [];

/** The same normalisation as generate.py's parse_dot. */
function parseDot(text: string, layer: string): { nodes: string[]; edges: string[] } {
  const nodes: string[] = [];
  const edges: string[] = [];
  for (const line of text.split('\n')) {
    const edge = /^"([^"]+)" -> "([^"]+)"$/.exec(line);
    if (edge) {
      edges.push(`${edge[1]} -> ${edge[2]}`);
      continue;
    }
    const node = /^"([^"]+)" \[label="(.*)"\]$/.exec(line);
    if (node) nodes.push(`${node[1]} ${(node[2] ?? '').replaceAll(layer, '@LAYER@')}`);
  }
  const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return { nodes: nodes.sort(byCodeUnit), edges: edges.sort(byCodeUnit) };
}

/**
 * A PATH with python3 and the tools its worker is started with (sh, mkfifo) only: no Graphviz,
 * so -g writes no SVG (BitBake writes none either). The python3 link goes to the interpreter
 * itself, as a python3 on PATH may be a wrapper script (pyenv).
 */
function pythonOnlyPath(): string {
  const bin = mkdtempSync(join(tmpdir(), 'tsbake-gbin-'));
  const python = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout.trim();
  if (python) symlinkSync(python, join(bin, 'python3'));
  for (const tool of ['sh', 'mkfifo']) {
    const path = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    if (path) symlinkSync(path, join(bin, tool));
  }
  return bin;
}

const queue = new PQueue({ concurrency: 3 });
let bin: string | undefined;

function run(args: readonly string[], cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  bin ??= pythonOnlyPath();
  const path = bin;
  return queue.add(
    () =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [join(PACKAGE_ROOT, 'dist/engine/cli/main.js'), ...args], {
          cwd,
          env: { BBPATH: cwd, PATH: path, HOME: cwd, LANG: 'C.UTF-8' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
        child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
        child.once('error', reject);
        child.once('close', (status) => resolve({ status, stdout, stderr }));
      }),
  ) as Promise<{ status: number | null; stdout: string; stderr: string }>;
}

test('the -g corpus is complete', (t) => {
  t.true(cases.length >= KNOWN_CASES, `${cases.length} cases in ${CASES}, expected at least ${KNOWN_CASES}`);
  const has = (what: RegExp): boolean => cases.some((c) => c.args.some((a) => what.test(a)));
  t.true(has(/:do_/), 'TARGET:do_task cases');
  t.true(has(/^virtual\/.*:do_/), 'virtual/x:do_task cases');
  t.true(cases.some((c) => !Object.values(c.files).some((f) => f.includes('PACKAGES ='))), 'cases without PACKAGES');
});

for (const c of cases) {
  test(`-g agrees with BitBake: ${c.name}`, async (t) => {
    if (!requireTool(t, hasCommand('python3'), 'python3 (Debian package python3)')) return;
    const layer = realpathSync(mkdtempSync(join(tmpdir(), 'tsbake-gcase-')));
    for (const [rel, text] of Object.entries(c.files)) {
      mkdirSync(dirname(join(layer, rel)), { recursive: true });
      writeFileSync(join(layer, rel), text);
    }
    const r = await run(c.args, layer);
    const what = `${c.description}\ntsbake ${c.args.join(' ')} in ${layer}\n${r.stderr}`;
    if ('errors' in c.expected) {
      t.not(r.status, 0, what);
      // BitBake names what nobody provides; tsbake must name the same thing.
      for (const e of c.expected.errors) {
        const missing = /Nothing (R?PROVIDES) '([^']+)'/.exec(e);
        if (missing) t.true(r.stderr.includes(`Nothing ${missing[1]} '${missing[2]}'`), `BitBake: ${e}\n${what}`);
      }
    } else {
      t.is(r.status, 0, what);
      const expected = c.expected;
      const got = parseDot(readFileSync(join(layer, 'task-depends.dot'), 'utf8'), layer);
      t.deepEqual(got.edges, [...expected.edges], what);
      t.deepEqual(got.nodes, [...expected.nodes], what);
      const listing = join(layer, 'pn-buildlist');
      if (expected.pnBuildlist === null) t.false(existsSync(listing), `BitBake wrote no pn-buildlist\n${what}`);
      else t.deepEqual(readFileSync(listing, 'utf8').split('\n').filter(Boolean), [...expected.pnBuildlist], what);
      // BitBake's notes about several providers of one name, word for word.
      for (const note of expected.notes.filter((n) => n.startsWith('NOTE: Multiple providers'))) t.true(r.stdout.replaceAll(layer, '@LAYER@').includes(note), `${note}\n${what}`);
    }
    rmSync(layer, { recursive: true, force: true });
  });
}
