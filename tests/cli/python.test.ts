import test from 'ava';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../engine/core/package-root.js';
import { makeLayer, PRELUDE, tsbake } from '../helpers/layer.js';

const PN = "PN = \"${@bb.parse.vars_from_file(d.getVar('FILE', False),d)[0] or 'defaultpkgname'}\"\nPV = \"1.0\"\nPR = \"r0\"\n";

/** A layer whose every recipe needs python3 (a def helper and anonymous python). */
function pythonLayer(n: number): string {
  const files: Record<string, string> = {
    'conf/bitbake.conf': PRELUDE + PN,
    'classes/base.bbclass': 'do_build () {\n\ttrue\n}\naddtask build\ndef twice(s):\n    return s + s\nTWICE = "${@twice(d.getVar(\'PN\'))}"\npython () {\n    d.setVar("ANON", "anon-" + d.getVar("PN"))\n}\n',
  };
  for (let i = 0; i < n; i++) files[`meta/recipes-a/r${i}/r${i}_1.0.bb`] = `N = "${i}"\n`;
  return makeLayer(files);
}

test('anonymous python sets values that -e explains with file and line', (t) => {
  const dir = makeLayer({
    'conf/bitbake.conf': PRELUDE + PN,
    'meta/recipes-a/app/app_1.0.bb': 'FEATURES = "ssl"\npython () {\n    if bb.utils.contains("FEATURES", "ssl", True, False, d):\n        d.setVar("SSL_FLAGS", "--with-ssl")\n}\n',
  });
  t.is(tsbake(['getvar', '-r', 'app', 'SSL_FLAGS'], dir).stdout, '--with-ssl\n');
  t.regex(tsbake(['-e', 'app'], dir).stdout, new RegExp(`# \\$SSL_FLAGS\\n#   set ${dir}/meta/recipes-a/app/app_1.0.bb:4\\n#     "--with-ssl"\\nSSL_FLAGS="--with-ssl"`));
});

test('SkipRecipe skips the recipe with its reason in -p and show-recipes', (t) => {
  const dir = makeLayer({
    'conf/bitbake.conf': PRELUDE + PN,
    'meta/recipes-a/old/old_1.0.bb': 'python () {\n    raise bb.parse.SkipRecipe("needs a newer compiler")\n}\n',
    'meta/recipes-a/new/new_1.0.bb': '',
  });
  t.regex(tsbake(['-p'], dir).stdout, /2 targets, 1 skipped, 0 masked, 0 errors\./);
  t.regex(tsbake(['show-recipes'], dir).stdout, /old:\n .*\(skipped: needs a newer compiler\)/);
});

test('a warm parse starts no python3 worker', (t) => {
  const dir = pythonLayer(5);
  t.regex(tsbake(['-p'], dir).stdout, /\(0 cached, 5 parsed\)/);
  const warm = tsbake(['-p'], dir, { BBPATH: dir, TSBAKE_PYTHON: '/nonexistent/python3' });
  t.is(warm.status, 0, warm.stderr);
  t.regex(warm.stdout, /\(5 cached, 0 parsed\)/);
  const cold = tsbake(['getvar', '-r', 'r1', 'TWICE'], dir, { BBPATH: dir, TSBAKE_PYTHON: '/nonexistent/python3' });
  t.is(cold.status, 2, 'a recipe that must be parsed does need python');
});

/** python3 processes running tsbake's worker, found through /proc. */
function workerPids(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(join('/proc', name, 'cmdline'), 'utf8');
      if (cmd.includes(join(PACKAGE_ROOT, 'engine/metadata/python/worker.py')) && /^(?:\S*\/)?python[0-9.]*\0/.test(cmd)) pids.push(Number(name));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

test.serial('kill -9 of tsbake mid-parse leaves no python3 worker behind', async (t) => {
  const dir = pythonLayer(400);
  const before = new Set(workerPids());
  const child = spawn(process.execPath, [join(PACKAGE_ROOT, 'dist/engine/cli/main.js'), '-p'], { cwd: dir, env: { PATH: process.env['PATH'], BBPATH: dir, BB_NUMBER_PARSE_THREADS: '2' }, stdio: 'ignore' });
  let mine: number[] = [];
  for (let i = 0; i < 200 && mine.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 25));
    mine = workerPids().filter((p) => !before.has(p));
  }
  t.true(mine.length > 0, 'the parse started a python3 worker');
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  for (let i = 0; i < 120 && mine.some((p) => workerPids().includes(p)); i++) await new Promise((r) => setTimeout(r, 50));
  t.deepEqual(mine.filter((p) => workerPids().includes(p)), []);
});
