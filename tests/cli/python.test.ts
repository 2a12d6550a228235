import test from 'ava';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../engine/core/package-root.js';
import { makeLayer, PRELUDE, tsbake } from '../helpers/layer.js';
import { waitFor } from '../run/run-layer.js';

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
  t.regex(tsbake(['-p'], dir).stdout, /1 targets, 1 skipped, 0 masked, 0 errors\./);
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

const WORKER = join(PACKAGE_ROOT, 'engine/metadata/python/worker.py');

/** The pids of `root`'s descendants, through /proc/<pid>/stat's parent field. */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after the last ')'.
      const stat = readFileSync(join('/proc', name, 'stat'), 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // the process ended while we looked
    }
  }
  const out: number[] = [];
  for (const stack = [root]; stack.length; ) for (const c of children.get(stack.pop() as number) ?? []) stack.push(c), out.push(c);
  return out;
}

/** Whether `pid` is (still) a python3 running tsbake's worker. */
function isWorker(pid: number): boolean {
  try {
    const cmd = readFileSync(join('/proc', String(pid), 'cmdline'), 'utf8');
    return cmd.includes(WORKER) && /^(?:\S*\/)?python[0-9.]*\0/.test(cmd);
  } catch {
    return false;
  }
}

test.serial('kill -9 of tsbake mid-parse leaves no python3 worker behind', async (t) => {
  const dir = pythonLayer(40);
  // One recipe's anonymous python waits for a file nobody writes: the parse is still running when it is killed.
  writeFileSync(join(dir, 'meta/recipes-a/r0/r0_1.0.bb'), 'python () {\n    import os, time\n    while not os.path.exists(d.getVar("TOPDIR") + "/never"):\n        time.sleep(0.05)\n}\n');
  const child = spawn(process.execPath, [join(PACKAGE_ROOT, 'dist/engine/cli/main.js'), '-p'], { cwd: dir, env: { PATH: process.env['PATH'], BBPATH: dir, BB_NUMBER_PARSE_THREADS: '2' }, stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  // Only this tsbake's own process tree: other test files start workers of their own.
  let mine: number[] = [];
  t.true(await waitFor(() => (mine = descendants(child.pid ?? -1).filter(isWorker)).length > 0), 'the parse started a python3 worker');
  child.kill('SIGKILL');
  await exited;
  t.true(await waitFor(() => !mine.some(isWorker)), `workers left: ${mine.filter(isWorker).join(' ')}`);
});
