import test from 'ava';
import { join } from 'node:path';
import { ParseError, TsbakeError } from '../../engine/core/errors.js';
import { formatError } from '../../engine/core/diagnostic.js';
import { cachedLoader } from '../../engine/metadata/cached-loader.js';
import { parseAll, sequentialLoader } from '../../engine/metadata/parse-all.js';
import { parseInPool, reviveError, serialiseError, workersPayOff, type ParseProgress, type SessionOpener } from '../../engine/metadata/parse-pool.js';
import { makeLayer, openLayer, PRELUDE } from '../helpers/layer.js';
import { PN_CONF, TEST_ENV } from '../helpers/parse-session.js';

const HELPER = new URL('../helpers/parse-session.js', import.meta.url).href;
const opener = (dir: string, exportName = 'openTestSession'): SessionOpener => ({ module: HELPER, exportName, request: { dir } });

/** 40 recipes; every fifth uses inline Python that needs the python3 worker. */
function manyRecipes(extra: Readonly<Record<string, string>> = {}): string {
  const files: Record<string, string> = {
    'conf/bitbake.conf': PRELUDE + PN_CONF,
    'classes/helper.bbclass': 'def helper_level(d):\n    return "lvl-" + d.getVar("PN")\nLEVEL = "${@helper_level(d)}"\n',
  };
  for (let i = 0; i < 40; i++) {
    const n = String(i).padStart(2, '0');
    const python = i % 5 === 0 ? 'inherit helper\npython () {\n    d.setVar("ANON", d.getVar("LEVEL"))\n    d.appendVar("DEPENDS", " " + d.getVar("ANON"))\n}\n' : '';
    files[`meta/recipes-x/r${n}/r${n}_1.${i}.bb`] = `DEPENDS = "r${String(i + 1).padStart(2, '0')}"\n${python}`;
  }
  return makeLayer({ ...files, ...extra });
}

test('parallel and sequential parsing give identical infos, in BBFILES order', (t) => {
  const dir = manyRecipes();
  const seqSession = openLayer(dir);
  const sequential = parseAll(seqSession, sequentialLoader(seqSession));
  t.is(sequential.errors.length, 0, sequential.errors.map(formatError).join('\n'));
  const session = openLayer(dir);
  const parallel = parseAll(session, cachedLoader(session, { env: TEST_ENV(dir), pool: { opener: opener(dir), threshold: 0, threads: 3 } }));
  t.deepEqual(parallel.errors, []);
  t.is(parallel.parsed, 40);
  t.deepEqual(parallel.recipes, sequential.recipes);
  t.deepEqual(sequential.recipes.find((r) => r.pn === 'r05')?.depends, ['r06', 'lvl-r05']);
});

test('the workers alone parse everything when the main thread does not take part', (t) => {
  const dir = manyRecipes();
  const session = openLayer(dir);
  const files = session.files().recipes;
  const outcomes = parseInPool(session, files, { opener: opener(dir), threads: 3, mainThreadParses: false, stallMs: 60_000 });
  t.is(outcomes.length, 40);
  t.true(outcomes.every((o) => o.ok));
  const expected = files.map((f) => openLayer(dir).parseRecipe(f).length);
  t.deepEqual(
    outcomes.map((o) => (o.ok ? o.parsed.infos.length : -1)),
    expected,
  );
});

test('a parse error inside a worker keeps its class, file and line', (t) => {
  const dir = manyRecipes({ 'meta/recipes-x/r17/r17_1.17.bb': 'A = "1"\nB = "unterminated\n' });
  const session = openLayer(dir);
  let mainParsed = 0;
  const parseRecipe = session.parseRecipe.bind(session);
  session.parseRecipe = (file, only) => {
    mainParsed++;
    return parseRecipe(file, only);
  };
  const files = session.files().recipes;
  const outcomes = parseInPool(session, files, { opener: opener(dir), threads: 2, mainThreadParses: false, stallMs: 60_000 });
  t.is(mainParsed, 0); // every file, the failing one included, was parsed by the worker
  const failed = outcomes.flatMap((o) => (o.ok ? [] : [o.error]));
  t.is(failed.length, 1);
  const e = failed[0];
  t.true(e instanceof ParseError);
  t.true(e instanceof TsbakeError);
  t.is(e?.code, 'E_PARSE');
  let direct: unknown;
  try {
    openLayer(dir).parseRecipe(join(dir, 'meta/recipes-x/r17/r17_1.17.bb'));
  } catch (err) {
    direct = err;
  }
  t.truthy(direct);
  t.is(formatError(e), formatError(direct));
  t.regex(formatError(e), new RegExp(`^${join(dir, 'meta/recipes-x/r17/r17_1.17.bb')}:2: error: `));
});

test('a worker that cannot open its session is a warning; the main thread parses everything', (t) => {
  const dir = manyRecipes();
  const session = openLayer(dir);
  const warnings: string[] = [];
  const outcomes = parseInPool(session, session.files().recipes, { opener: opener(dir, 'noSuchExport'), threads: 1, mainThreadParses: false, stallMs: 60_000, onWarning: (w) => warnings.push(w) });
  t.true(outcomes.every((o) => o.ok));
  t.is(outcomes.length, 40);
  t.is(warnings.length, 1);
  t.regex(warnings[0] ?? '', /a parse worker stopped .*noSuchExport/);
});

test('a worker that dies silently mid-parse does not hang the pool', (t) => {
  const dir = manyRecipes();
  const session = openLayer(dir);
  const outcomes = parseInPool(session, session.files().recipes, { opener: opener(dir, 'openDyingSession'), threads: 3, mainThreadParses: false, stallMs: 100 });
  t.is(outcomes.length, 40);
  t.true(outcomes.every((o) => o.ok));
});

test('workers wait until the rule says they pay off; until then the main thread parses alone', (t) => {
  const dir = manyRecipes();
  const session = openLayer(dir);
  const files = session.files().recipes;
  const asked: ParseProgress[] = [];
  const warnings: string[] = [];
  // A worker that started would fail to open its session and say so.
  const outcomes = parseInPool(session, files, { opener: opener(dir, 'noSuchExport'), threads: 2, startWhen: (p) => asked.push(p) < 0, onWarning: (w) => warnings.push(w) });
  t.true(outcomes.every((o) => o.ok));
  t.deepEqual(warnings, []);
  t.deepEqual(
    asked.map((p) => [p.taken, p.left]),
    files.map((_, i) => [i + 1, files.length - i - 1]),
  );
});

test('workers pay off when the main thread waits for python3, or on more CPUs for a long parse', (t) => {
  const progress = (pythonMs: number, elapsedMs: number, taken: number, left: number): ParseProgress => ({ pythonMs, elapsedMs, taken, left });
  t.true(workersPayOff(progress(30, 40, 2, 998), 2));
  t.false(workersPayOff(progress(0, 100, 200, 10_000), 2)); // 5 s of TypeScript-only parsing: one thread is faster on 2 CPUs
  t.true(workersPayOff(progress(0, 100, 200, 10_000), 4));
  t.false(workersPayOff(progress(0, 100, 200, 1_000), 4));
});

test('errors survive the trip between threads with their subclass fields', (t) => {
  const e = new ParseError('bad line', { file: '/x/y.bb', line: 3 }, 'fix it');
  const back = reviveError(serialiseError(e));
  t.true(back instanceof ParseError);
  t.is(formatError(back), formatError(e));
  const plain = reviveError(serialiseError(new TypeError('oops')));
  t.false(plain instanceof TsbakeError);
  t.is(plain.message, 'oops');
});
