/**
 * The build command's options on tiny layers: -c, -C, -f, -k, -n, --runall, --runonly, -q,
 * -v, --log-json; the failed-task report and exit status; the Tasks Summary line.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasCommand, requireTool } from '../helpers/host-tools.js';
import { bake, runLayer, sorted, stampHash, stamps, started, tasksSummary, TSBAKE_MAIN } from './run-layer.js';

/** lib and app (DEPENDS lib), each fetch → compile → install → build (noexec): 7 tasks. */
const pair = (lib = '', app = ''): string => runLayer({ lib_1: lib, app_1: `DEPENDS = "lib"\n${app}` });
const ALL_SIX = ['app:do_compile', 'app:do_fetch', 'app:do_install', 'lib:do_compile', 'lib:do_fetch', 'lib:do_install'];

function ok(t: { is(a: unknown, b: unknown, m?: string): void }, r: { status: number; stdout: string; stderr: string }): string {
  t.is(r.status, 0, r.stderr + r.stdout);
  return r.stdout;
}

test('a full build, then a no-op build: the Tasks Summary counts', (t) => {
  const dir = pair();
  const first = ok(t, bake(dir, ['app']));
  t.deepEqual(sorted(started(first)), ALL_SIX);
  t.is(tasksSummary(first)?.attempted, 7);
  t.is(tasksSummary(first)?.tail, 'all succeeded.');
  const noop = ok(t, bake(dir, ['app']));
  t.deepEqual(started(noop), []);
  t.regex(noop, /^NOTE: Tasks Summary: Attempted 7 tasks of which 7 didn't need to be rerun and all succeeded\.$/m);
  t.is(stamps(dir).length, 7);
});

// BitBake 2.19 runs a noexec task without a stamp ("Running noexec task 7 of 7") and counts it
// as completed: "Attempted 7 tasks of which 0 didn't need to be rerun".
test('the first build’s summary counts a noexec task as run, as BitBake does', (t) => {
  const dir = pair();
  const out = ok(t, bake(dir, ['app']));
  t.regex(out, /^NOTE: Tasks Summary: Attempted 7 tasks of which 0 didn't need to be rerun and all succeeded\.$/m);
});

test('-c TASK runs that task and what it needs, nothing after it', (t) => {
  const dir = pair();
  t.deepEqual(sorted(started(ok(t, bake(dir, ['-c', 'compile', 'app'])))), ['app:do_compile', 'app:do_fetch', 'lib:do_compile', 'lib:do_fetch', 'lib:do_install']);
  t.is(stampHash(dir, 'app', 'do_install'), undefined);
  t.deepEqual(started(ok(t, bake(dir, ['-c', 'do_compile', 'app']))), [], 'do_ prefix accepted; current now');
});

test('-C TASK reruns that task and everything after it, then stays current', (t) => {
  const dir = pair();
  ok(t, bake(dir, ['app']));
  t.deepEqual(sorted(started(ok(t, bake(dir, ['-C', 'compile', 'app'])))), ['app:do_compile', 'app:do_install']);
  t.deepEqual(started(ok(t, bake(dir, ['app']))), []);
  t.deepEqual(sorted(started(ok(t, bake(dir, ['-C', 'fetch', 'lib'])))), ['lib:do_compile', 'lib:do_fetch', 'lib:do_install']);
  // app depends on lib:do_install, whose hash changed.
  t.deepEqual(sorted(started(ok(t, bake(dir, ['app'])))), ['app:do_compile', 'app:do_install']);
});

test('-f runs the task even though its stamp is current, and only that task', (t) => {
  const dir = pair();
  ok(t, bake(dir, ['app']));
  t.deepEqual(started(ok(t, bake(dir, ['-f', '-c', 'compile', 'app']))), ['app:do_compile']);
});

// As BitBake 2.19: a forced task is tainted, so a later plain build reruns what follows it.
test('-f taints the task: the next build reruns what comes after it', (t) => {
  const dir = pair();
  ok(t, bake(dir, ['app']));
  ok(t, bake(dir, ['-f', '-c', 'compile', 'app']));
  t.deepEqual(started(ok(t, bake(dir, ['app']))), ['app:do_install']);
});

/**
 * bad1 and bad2 fail in do_compile; good's do_fetch is still running when the build has
 * recorded bad1's failure: it waits for the failure event in the --log-json file (see
 * bakeFailing), bounded only so that a broken build fails the test instead of hanging it.
 */
function failing(): string {
  const bad = 'do_compile() {\n\techo "compiling ${PN}"\n\texit 3\n}\n';
  const good = [
    'do_fetch() {',
    '\tfor i in $(seq 6000); do grep -q \'"kind":"task-failed","id":"bad1:do_compile"\' ${TOPDIR}/events.jsonl && break; sleep 0.05; done',
    '}',
    '',
  ].join('\n');
  return runLayer({ bad1_1: bad, bad2_1: bad, good_1: good });
}

const bakeFailing = (dir: string, args: readonly string[]): ReturnType<typeof bake> => bake(dir, ['--log-json', join(dir, 'events.jsonl'), ...args]);

test('a failing task: the ERROR line with the exit code, the log tail, the log path, exit status 1', (t) => {
  const lines = Array.from({ length: 30 }, (_, i) => `\techo line-${i + 1}`).join('\n');
  const dir = runLayer({ a_1: `do_compile() {\n${lines}\n\texit 7\n}\n` });
  const r = bake(dir, ['a']);
  t.is(r.status, 1);
  const err = r.stderr;
  t.regex(err, new RegExp(`^ERROR: Task \\(${dir}/recipes/a_1\\.bb:do_compile\\) failed with exit code '7'$`, 'm'));
  t.regex(err, /^Log data follows:$/m);
  const tail = [...err.matchAll(/^\| (.*)$/gm)].map((m) => m[1]);
  t.deepEqual(tail, Array.from({ length: 20 }, (_, i) => `line-${i + 11}`), 'the last 20 lines');
  const logPath = /^ERROR: Logfile of failure stored in: (\S+)$/m.exec(err)?.[1] ?? '';
  t.regex(logPath, new RegExp(`^${dir}/tmp/work/a/temp/log\\.do_compile\\.\\d+$`));
  t.regex(readFileSync(logPath, 'utf8'), /line-1\n[^]*line-30\n/);
  t.regex(r.stdout, /^NOTE: Tasks Summary: Attempted \d+ tasks of which \d+ didn't need to be rerun and 1 failed\.$/m);
  t.regex(r.stdout, /^Summary: 1 task failed:\n {2}.*a_1\.bb:do_compile\n {4}log: .*log\.do_compile\.\d+$/m);
  t.is(stampHash(dir, 'a', 'do_compile'), undefined);
  t.is(stampHash(dir, 'a', 'do_install'), undefined);
});

test('without -k, a failure starts nothing new: the running task finishes, its successors never start', (t) => {
  const dir = failing();
  const r = bakeFailing(dir, ['bad1', 'good']);
  t.is(r.status, 1);
  const ran = started(r.stdout);
  t.true(ran.includes('good:do_fetch'));
  t.truthy(stampHash(dir, 'good', 'do_fetch'), 'the running task finished and was stamped');
  t.false(ran.includes('good:do_compile'), r.stdout);
});

test('-k: the other branches finish and every failure is reported at the end', (t) => {
  const dir = failing();
  const r = bakeFailing(dir, ['-k', 'bad1', 'bad2', 'good']);
  t.is(r.status, 1);
  const ran = started(r.stdout);
  for (const task of ['good:do_fetch', 'good:do_compile', 'good:do_install']) t.true(ran.includes(task), task);
  t.truthy(stampHash(dir, 'good', 'do_build'));
  t.false(ran.includes('bad1:do_install') || ran.includes('bad2:do_install'), 'nothing after a failure');
  t.regex(r.stdout, /^Summary: 2 tasks failed:$/m);
  t.regex(r.stdout, /^ {2}.*bad1_1\.bb:do_compile$/m);
  t.regex(r.stdout, /^ {2}.*bad2_1\.bb:do_compile$/m);
  t.regex(r.stdout, /and 2 failed\.$/m);
  t.regex(r.stdout, /^Summary: There were 2 ERROR messages, returning a non-zero exit code\.$/m);
});

test('-n: nothing runs and no stamp is written, but the plan is printed', (t) => {
  const dir = pair();
  const r = bake(dir, ['-n', 'app']);
  t.is(r.status, 0, r.stderr);
  t.is([...r.stdout.matchAll(/^NOTE: Running task \d+ of \d+ /gm)].length, 6);
  t.false(existsSync(join(dir, 'tmp/stamps')));
  t.false(existsSync(join(dir, 'tmp/work')));
  ok(t, bake(dir, ['app']));
  const noop = bake(dir, ['-n', 'app']);
  t.is([...noop.stdout.matchAll(/^NOTE: Running task/gm)].length, 0, 'after a build, -n has nothing to do');
});

test('--runall TASK runs that task for every recipe in the graph', (t) => {
  const dir = pair();
  // The fetch tasks become the only targets: nothing after them runs.
  t.deepEqual(sorted(started(ok(t, bake(dir, ['--runall', 'fetch', 'app'])))), ['app:do_fetch', 'lib:do_fetch']);
  t.deepEqual(sorted(started(ok(t, bake(dir, ['--runall', 'compile', 'app'])))), ['app:do_compile', 'lib:do_compile', 'lib:do_install']);
});

test('--runonly TASK runs only that task (and its dependencies) within the targets’ graph', (t) => {
  const dir = pair();
  t.deepEqual(sorted(started(ok(t, bake(dir, ['--runonly', 'compile', 'app'])))), ['app:do_compile', 'app:do_fetch', 'lib:do_compile', 'lib:do_fetch', 'lib:do_install']);
  t.is(stampHash(dir, 'app', 'do_install'), undefined);
});

test('-q: no NOTE lines and no summary; errors still show', (t) => {
  const dir = pair();
  const quiet = bake(dir, ['-q', 'app']);
  t.is(quiet.status, 0);
  t.is(quiet.stdout, '');
  const bad = runLayer({ a_1: 'do_compile() {\n\tfalse\n}\n' });
  const r = bake(bad, ['-q', 'a']);
  t.is(r.status, 1);
  t.notRegex(r.stdout, /NOTE:/);
  t.regex(r.stderr, /ERROR: Task \(.*a_1\.bb:do_compile\) failed with exit code '1'/);
});

test('--log-json: one JSON event per line, from plan to build-finished', (t) => {
  const dir = pair();
  const file = join(dir, 'events.jsonl');
  ok(t, bake(dir, ['--log-json', file, 'app']));
  const events = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; id?: string; outcome?: string });
  t.is(events[0]?.kind, 'plan');
  t.is(events[events.length - 1]?.kind, 'build-finished');
  t.is(events.filter((e) => e.kind === 'task-started').length, 7, 'noexec do_build is numbered too');
  t.deepEqual(sorted(events.filter((e) => e.kind === 'task-finished' && e.outcome === 'ran').map((e) => e.id ?? '')), ALL_SIX);
});

/** Runs tsbake on a pseudo-terminal (util-linux `script`), so the live view is used. */
function onTty(dir: string, args: readonly string[]): string {
  const cmd = [process.execPath, TSBAKE_MAIN, ...args].map((a) => `'${a}'`).join(' ');
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { cwd: dir, env: { PATH: process.env['PATH'], HOME: process.env['HOME'], TERM: 'xterm' }, encoding: 'utf8' });
  return r.stdout.replaceAll('\r', '');
}

test('on a terminal, task lines appear only with -v; the summary always', (t) => {
  if (!requireTool(t, hasCommand('script'), 'script (Debian package bsdutils)')) return;
  const plain = onTty(pair(), ['app']);
  t.notRegex(plain, /task do_compile: Started/);
  t.regex(plain, /Tasks Summary: Attempted 7 tasks/);
  const verbose = onTty(pair(), ['-v', 'app']);
  t.regex(verbose, /NOTE: recipe lib-1-r0: task do_compile: Started/);
  t.regex(verbose, /NOTE: Running task \d+ of 7 \(.*app_1\.bb:do_install\)/);
});

test('longest chain first: with one thread, the task with the longest chain after it starts first', (t) => {
  // short's one task is named first on the command line and sorts first; long's chain is four tasks.
  const chain = ['do_s1() {\n\t:\n}', 'addtask s1', 'do_s2() {\n\t:\n}', 'addtask s2 after do_s1', 'do_s3() {\n\t:\n}', 'addtask s3 after do_s2', 'do_s4() {\n\t:\n}', 'addtask s4 after do_s3 before do_build', ''].join('\n');
  const dir = runLayer({ long_1: chain, short_1: 'do_only() {\n\t:\n}\naddtask only before do_build\n' }, { base: 'do_build[noexec] = "1"\naddtask build\n', conf: 'BB_NUMBER_THREADS = "1"\n' });
  const ran = started(ok(t, bake(dir, ['short', 'long'])));
  // After long:do_s3, do_s4 and short:do_only each have a chain of two: either may go first.
  t.deepEqual(ran.slice(0, 3), ['long:do_s1', 'long:do_s2', 'long:do_s3']);
  t.deepEqual(sorted(ran.slice(3)), ['long:do_s4', 'short:do_only']);
});

test('--no-progress on a real terminal prints plain lines; without it the terminal gets the live view', (t) => {
  if (!requireTool(t, hasCommand('script'), 'script (Debian package bsdutils)')) return;
  const dir = pair();
  const plain = onTty(dir, ['--no-progress', 'app']);
  t.notRegex(plain, /\x1b\[/, 'no cursor movement');
  t.regex(plain, /^NOTE: recipe app-1-r0: task do_compile: Started$/m);
  t.regex(plain, /^NOTE: Tasks Summary: Attempted 7 tasks of which 0 didn't need to be rerun and all succeeded\.$/m);
  t.regex(onTty(dir, ['-C', 'compile', 'app']), /\x1b\[/, 'the control: a terminal does get the live view');
});
