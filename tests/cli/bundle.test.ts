/**
 * The bundled CLI (dist/bundle/tsbake.js, what `bin` runs; made by tools/bundle.ts in
 * `npm run build`) finds what the modules under dist/ find from their own location: the
 * python worker, the parse worker threads, the task spawner and the templates.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../engine/core/package-root.js';
import { runLayer, started } from '../run/run-layer.js';

const BUNDLE = join(PACKAGE_ROOT, 'dist', 'bundle', 'tsbake.js');

function bundled(dir: string, args: readonly string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BUNDLE, ...args], { cwd: dir, env: { PATH: process.env['PATH'], HOME: process.env['HOME'] }, encoding: 'utf8', timeout: 1_200_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('the bundle parses on worker threads, evaluates python, runs tasks and replays a no-op', (t) => {
  t.true(existsSync(BUNDLE), `${BUNDLE} is missing: run npm run build`);
  // More uncached recipes than the main thread parses alone (cached-loader's POOL_THRESHOLD).
  const recipes: Record<string, string> = { app_1: 'python () {\n    d.setVar("FROM_PYTHON", "py-" + d.getVar("PN"))\n}\n' };
  for (let i = 0; i < 310; i++) recipes[`r${i}_1`] = '';
  const dir = runLayer(recipes, { conf: 'BB_NUMBER_PARSE_THREADS = "2"\n' });
  const parse = bundled(dir, ['-p']);
  t.is(parse.status, 0, parse.stderr);
  t.regex(parse.stdout, /Parsing of 311 \.bb files complete \(0 cached, 311 parsed\)\. 311 targets, 0 skipped, 0 masked, 0 errors\./);
  t.is(bundled(dir, ['getvar', '-r', 'app', 'FROM_PYTHON']).stdout, 'py-app\n');
  const first = bundled(dir, ['--no-progress', 'app']);
  t.is(first.status, 0, first.stderr);
  t.deepEqual(started(first.stdout).sort(), ['app:do_compile', 'app:do_fetch', 'app:do_install']);
  for (let i = 0; i < 2; i++) {
    const noop = bundled(dir, ['--no-progress', 'app']);
    t.is(noop.status, 0, noop.stderr);
    t.regex(noop.stdout, /^NOTE: Tasks Summary: Attempted 4 tasks of which 4 didn't need to be rerun and all succeeded\.$/m);
  }
});
