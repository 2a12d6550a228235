import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ParseError } from '../../engine/core/errors.js';
import { asText } from '../../engine/metadata/datastore.js';
import { loadRecipes } from '../../engine/cli/recipes.js';
import { openSession } from '../../engine/cli/session.js';
import type { BuiltinContext, TaskBuiltin } from '../../engine/run/builtin.js';
import { build } from '../../engine/run/pipeline.js';
import { runLayer } from './run-layer.js';

const BASE = [
  'python do_greet() {\n    bb.fatal("python3 must not run a task that has a builtin")\n}',
  'addtask greet',
  'do_greet[dirs] = "${WORKDIR}/greet"',
  'do_build[noexec] = "1"',
  'addtask build after do_greet',
  '',
].join('\n');

async function buildWith(dir: string, greet: TaskBuiltin): Promise<number> {
  const session = openSession({ cwd: dir, env: process.env, tracking: false });
  const notes: string[] = [];
  return build(
    session,
    { loadRecipes: (warn) => loadRecipes(session, warn), builtins: async () => new Map([['do_greet', greet]]) },
    { targets: ['app'], task: undefined, invalidate: undefined, force: false, keepGoing: false, dryRun: false, runall: undefined, runonly: undefined, graphviz: false },
    { emit: () => undefined, note: (m) => notes.push(m), signal: new AbortController().signal, env: process.env },
  );
}

test('a python task with a builtin runs it in-process, in its [dirs] cwd, logging to its task log', async (t) => {
  const dir = runLayer({ app_1: 'GREETING = "hello from ${PN}"\n' }, { base: BASE });
  const seen: BuiltinContext[] = [];
  const code = await buildWith(dir, async (ctx) => {
    seen.push(ctx);
    ctx.log(asText(ctx.store.getVar('GREETING')));
  });
  t.is(code, 0);
  t.is(seen.length, 1);
  t.is(seen[0]?.cwd, join(dir, 'tmp/work/app/greet'));
  t.is(readFileSync(join(dir, 'tmp/work/app/temp/log.do_greet'), 'utf8'), 'hello from app\n');
});

test('a builtin that throws fails its task, and the error is in the task log', async (t) => {
  const dir = runLayer({ app_1: '' }, { base: BASE });
  const code = await buildWith(dir, async () => {
    throw new ParseError('no greeting', { file: 'app_1.bb', line: 3 });
  });
  t.is(code, 1);
  t.regex(readFileSync(join(dir, 'tmp/work/app/temp/log.do_greet'), 'utf8'), /^ERROR: app_1\.bb:3: error: no greeting/m);
});
