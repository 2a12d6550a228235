/**
 * How tasks execute: the run and log files with their links and log.task_order, the clean
 * environment, each task's own working directory, and python tasks (success, logging,
 * failure), all through the real CLI on tiny layers.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { makeLayer, tsbake } from '../helpers/layer.js';
import { bake, readText, RUN_CONF, runLayer, stampHash, started, tempDir } from './run-layer.js';

const ONLY_BUILD = 'do_build[noexec] = "1"\naddtask build\n';

test('a shell task gets run.do_X.<pid> and log.do_X.<pid>, links to the latest, and a line in log.task_order', (t) => {
  const dir = runLayer({ a_1: 'do_hello() {\n\techo "hello from ${PN}"\n\techo "to stderr" >&2\n}\naddtask hello before do_build\n' }, { base: ONLY_BUILD });
  const r = bake(dir, ['a']);
  t.is(r.status, 0, r.stderr + r.stdout);
  const temp = tempDir(dir, 'a');
  const names = readdirSync(temp).sort();
  const pids = names.flatMap((n) => /^run\.do_hello\.(\d+)$/.exec(n)?.[1] ?? []);
  t.is(pids.length, 1, names.join(' '));
  const pid = pids[0] ?? '';
  t.deepEqual(names, ['log.do_hello', `log.do_hello.${pid}`, 'log.task_order', 'run.do_hello', `run.do_hello.${pid}`]);
  t.is(readlinkSync(join(temp, 'log.do_hello')), `log.do_hello.${pid}`);
  t.is(readlinkSync(join(temp, 'run.do_hello')), `run.do_hello.${pid}`);
  t.is(readText(join(temp, 'log.do_hello')), 'hello from a\nto stderr\n', 'stdout and stderr go to the log');
  t.false(r.stdout.includes('hello from a'), 'task output does not go to the console');
  const script = readText(join(temp, 'run.do_hello'));
  t.true(script.startsWith('#!/bin/sh\n'));
  t.regex(script, /^do_hello\(\) \{\n\techo "hello from a"\n/m, 'the function is written out expanded');
  t.regex(script, /\ncd '[^']*\/tmp\/work\/a\/src'\ndo_hello\n/);
  t.is(readText(join(temp, 'log.task_order')), `do_hello (${pid}): log.do_hello.${pid}\n`);

  // A forced rerun adds a new pair (a new tsbake pid), moves the links and appends to the order.
  const again = bake(dir, ['-f', '-c', 'hello', 'a']);
  t.is(again.status, 0);
  const pid2 = readlinkSync(join(temp, 'log.do_hello')).replace('log.do_hello.', '');
  t.not(pid2, pid);
  t.true(existsSync(join(temp, `log.do_hello.${pid}`)), 'older logs are kept');
  t.is(readlinkSync(join(temp, 'run.do_hello')), `run.do_hello.${pid2}`);
  t.is(readText(join(temp, 'log.task_order')), `do_hello (${pid}): log.do_hello.${pid}\ndo_hello (${pid2}): log.do_hello.${pid2}\n`);
});

test('the run file defines the shell functions the task calls, transitively, and nothing else', (t) => {
  const dir = runLayer(
    {
      a_1: [
        'helper_one() {\n\thelper_two\n}',
        'helper_two() {\n\techo two > ${T}/two\n}',
        'unused_helper() {\n\techo never\n}',
        'do_main() {\n\thelper_one\n}',
        'addtask main before do_build',
        '',
      ].join('\n'),
    },
    { base: ONLY_BUILD },
  );
  t.is(bake(dir, ['a']).status, 0);
  const script = readText(join(tempDir(dir, 'a'), 'run.do_main'));
  t.regex(script, /^helper_one\(\) \{/m);
  t.regex(script, /^helper_two\(\) \{/m);
  t.notRegex(script, /unused_helper/);
  t.is(readText(join(tempDir(dir, 'a'), 'two')), 'two\n');
});

const ENV_RECIPE = [
  'export EXPORTED_META = "from-metadata"',
  'PLAIN_META = "not-exported"',
  'do_env() {',
  '\tenv | sort > ${T}/task.env',
  '}',
  'addtask env before do_build',
  '',
].join('\n');

function taskEnv(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of readText(join(tempDir(dir, 'a'), 'task.env')).split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out.set(line.slice(0, i), line.slice(i + 1));
  }
  return out;
}

test('clean environment: the caller’s variables stay out unless in BB_ENV_PASSTHROUGH_ADDITIONS; exported metadata is in', (t) => {
  const dir = runLayer({ a_1: ENV_RECIPE }, { base: ONLY_BUILD });
  const r = bake(dir, ['a'], { SECRET_FROM_CALLER: 's3cret', OTHER_FROM_CALLER: 'x' });
  t.is(r.status, 0, r.stderr + r.stdout);
  const env = taskEnv(dir);
  t.false(env.has('SECRET_FROM_CALLER'));
  t.false(env.has('OTHER_FROM_CALLER'));
  t.is(env.get('EXPORTED_META'), 'from-metadata');
  t.false(env.has('PLAIN_META'), 'an unexported variable is not in the environment');
  t.is(env.get('HOME'), process.env['HOME'], 'HOME is exported by the configuration');
  // TSBAKE_TASK is the task's own token (how the spawner finds what the task left running).
  t.false([...env.keys()].some((k) => (k.startsWith('TSBAKE_') && k !== 'TSBAKE_TASK') || k.startsWith('NODE_')), [...env.keys()].join(' '));

  const dir2 = runLayer({ a_1: ENV_RECIPE }, { base: ONLY_BUILD });
  const r2 = bake(dir2, ['a'], { SECRET_FROM_CALLER: 's3cret', OTHER_FROM_CALLER: 'x', BB_ENV_PASSTHROUGH_ADDITIONS: 'SECRET_FROM_CALLER' });
  t.is(r2.status, 0, r2.stderr + r2.stdout);
  const env2 = taskEnv(dir2);
  t.is(env2.get('SECRET_FROM_CALLER'), 's3cret');
  t.false(env2.has('OTHER_FROM_CALLER'));
});

test('each task runs in its own directory, even when they run at the same time', (t) => {
  const task = (name: string): string => `do_${name}() {\n\tsleep 0.2\n\tpwd > \${T}/${name}.cwd\n}\ndo_${name}[dirs] = "\${WORKDIR}/${name}"\naddtask ${name} before do_build\n`;
  const dir = runLayer({ a_1: task('one') + task('two') + task('three') }, { base: ONLY_BUILD });
  t.is(bake(dir, ['a']).status, 0);
  for (const name of ['one', 'two', 'three']) t.is(readText(join(tempDir(dir, 'a'), `${name}.cwd`)), `${dir}/tmp/work/a/${name}\n`);
});

const PY_RECIPE = [
  'python do_py() {',
  '    bb.note("note from python")',
  "    open(d.getVar('T') + '/out', 'w').write(d.getVar('PN'))",
  '}',
  'addtask py before do_build',
  '',
].join('\n');

test('a python task runs with d, logs bb.note to its log, and gets a stamp', (t) => {
  const dir = runLayer({ a_1: PY_RECIPE }, { base: ONLY_BUILD });
  const r = bake(dir, ['a']);
  t.is(r.status, 0, r.stderr + r.stdout);
  t.deepEqual(started(r.stdout), ['a:do_py']);
  const temp = tempDir(dir, 'a');
  t.is(readText(join(temp, 'out')), 'a');
  t.regex(readText(join(temp, 'log.do_py')), /NOTE: note from python/);
  t.regex(readlinkSync(join(temp, 'log.do_py')), /^log\.do_py\.\d+$/);
  t.regex(readlinkSync(join(temp, 'run.do_py')), /^run\.do_py\.\d+$/);
  const script = readText(join(temp, 'run.do_py'));
  t.true(script.startsWith('def do_py(d):\n') && script.endsWith('\ndo_py(d)\n'), script);
  t.is(spawnSync('python3', ['-c', `import ast, sys; ast.parse(open(sys.argv[1]).read())`, join(temp, 'run.do_py')]).status, 0, 'run.do_py is valid python');
  t.truthy(stampHash(dir, 'a', 'do_py'));
  t.deepEqual(started(bake(dir, ['a']).stdout), [], 'current on the next build');
});

test('a python task that raises fails cleanly: exit code, the exception in the log tail, no stamp; the build goes on to its summary', (t) => {
  const dir = runLayer(
    { a_1: 'python do_pyfail() {\n    bb.note("about to fail")\n    raise ValueError("boom in python")\n}\naddtask pyfail before do_build\n' },
    { base: ONLY_BUILD },
  );
  const r = bake(dir, ['a']);
  t.is(r.status, 1);
  t.regex(r.stderr, new RegExp(`ERROR: Task \\(${dir}/recipes/a_1\\.bb:do_pyfail\\) failed with exit code '1'`));
  t.regex(r.stderr, /\| NOTE: about to fail\n/);
  t.regex(r.stderr, /\| .*boom in python/);
  t.regex(r.stderr, /ERROR: Logfile of failure stored in: .*\/tmp\/work\/a\/temp\/log\.do_pyfail\.\d+/);
  t.regex(readText(join(tempDir(dir, 'a'), 'log.do_pyfail')), /boom in python/);
  t.is(stampHash(dir, 'a', 'do_pyfail'), undefined);
  t.regex(r.stdout, /NOTE: Tasks Summary: Attempted \d+ tasks of which \d+ didn't need to be rerun and 1 failed\./);
});

// The python task's worker opens its session with the build's own environment (BBPATH
// included), not with the task environment.
test('a python task also works when the build directory comes from $BBPATH', (t) => {
  const dir = makeLayer({ 'conf/bitbake.conf': `${RUN_CONF}BBFILES += "\${TOPDIR}/recipes/*.bb"\n`, 'classes/base.bbclass': ONLY_BUILD, 'recipes/a_1.bb': PY_RECIPE });
  const r = tsbake(['--no-progress', 'a'], dir, { BBPATH: dir });
  t.is(r.status, 0, r.stderr);
  t.is(readText(join(tempDir(dir, 'a'), 'out')), 'a');
});
