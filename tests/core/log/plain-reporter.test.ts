import test from 'ava';
import type { BuildEvent } from '../../../engine/core/log/events.js';
import { createReporter } from '../../../engine/core/log/reporter.js';
import { BAR, FOO, failedBuild, successfulBuild } from './events-fixture.js';

/** Runs `events` through a plain reporter; returns the lines, each tagged with its stream. */
function plain(events: readonly BuildEvent[], opts: { quiet?: boolean; verbose?: boolean } = {}): string[] {
  const lines: string[] = [];
  const tagged = (tag: string) => (text: string) => {
    for (const l of text.replace(/\n$/, '').split('\n')) lines.push(`${tag} ${l}`);
  };
  const r = createReporter({ tty: false, quiet: opts.quiet ?? false, verbose: opts.verbose ?? false, out: tagged('out'), err: tagged('err') });
  for (const e of events) r.sink(e);
  r.close();
  return lines;
}

test('a successful build prints BitBake’s lines, in order', (t) => {
  t.deepEqual(plain(successfulBuild()), [
    'out NOTE: recipe baz: task do_populate_sysroot_setscene: Succeeded',
    `out NOTE: Running task 1 of 2 (${FOO}:do_compile)`,
    'out NOTE: recipe foo-1.0-r0: task do_compile: Started',
    'out NOTE: Fetching sources for foo',
    `out WARNING: ${FOO}:7: QA issue: foo has no LICENSE`,
    'out NOTE: recipe foo-1.0-r0: task do_compile: Succeeded',
    `out NOTE: Running task 2 of 2 (${BAR}:do_install)`,
    'out NOTE: recipe bar-2.1-r3: task do_install: Started',
    'out NOTE: recipe bar-2.1-r3: task do_install: Succeeded',
    "out NOTE: Tasks Summary: Attempted 5 tasks of which 3 didn't need to be rerun and all succeeded.",
    'out ',
    'out Summary: There was 1 WARNING message.',
  ]);
});

test('a failed task shows the error, the log tail and the log; the summary lists failed and interrupted tasks', (t) => {
  t.deepEqual(plain(failedBuild()), [
    `out NOTE: Running task 1 of 3 (${FOO}:do_compile)`,
    'out NOTE: recipe foo-1.0-r0: task do_compile: Started',
    `out NOTE: Running task 2 of 3 (${BAR}:do_install)`,
    'out NOTE: recipe bar-2.1-r3: task do_install: Started',
    `err ERROR: Task (${FOO}:do_compile) failed with exit code '2'`,
    'err Log data follows:',
    'err | gcc -c foo.c',
    'err | foo.c:1: error: expected ;',
    'err ERROR: Logfile of failure stored in: /build/tmp/work/foo/1.0-r0/temp/log.do_compile.4242',
    `out NOTE: Task (${BAR}:do_install) was interrupted (log: /build/tmp/work/bar/2.1-r3/temp/log.do_install.4243)`,
    "out NOTE: Tasks Summary: Attempted 2 tasks of which 0 didn't need to be rerun and 2 failed.",
    'out ',
    'out Summary: 1 task failed:',
    `out   ${FOO}:do_compile`,
    'out     log: /build/tmp/work/foo/1.0-r0/temp/log.do_compile.4242',
    'out Summary: 1 task was interrupted:',
    `out   ${BAR}:do_install`,
    'out Summary: There was 1 ERROR message, returning a non-zero exit code.',
    'out Execution was interrupted, returning a non-zero exit code.',
  ]);
});

test('-q keeps warnings, errors and the interruption, and drops notes and the summary', (t) => {
  t.deepEqual(plain(successfulBuild(), { quiet: true }), [`out WARNING: ${FOO}:7: QA issue: foo has no LICENSE`]);
  t.deepEqual(
    plain(failedBuild(), { quiet: true }).filter((l) => !l.startsWith('err')),
    ['out Execution was interrupted, returning a non-zero exit code.'],
  );
  t.is(plain(failedBuild(), { quiet: true }).filter((l) => l.startsWith('err ERROR:')).length, 2);
});

test('warnings name the file, and the line when there is one', (t) => {
  const lines = plain([
    { kind: 'warning', message: 'a' },
    { kind: 'warning', message: 'b', file: 'conf/local.conf' },
    { kind: 'warning', message: 'c', file: 'conf/local.conf', line: 3 },
  ]);
  t.deepEqual(lines, ['out WARNING: a', 'out WARNING: conf/local.conf: b', 'out WARNING: conf/local.conf:3: c']);
});

test('several failures: plural summary lines; a task without a log shows no log line', (t) => {
  const fail = (id: string, pn: string): BuildEvent => ({ kind: 'task-failed', id, recipeFile: `/r/${pn}.bb`, task: 'do_compile', pn, exitCode: 1, logFile: '', logTail: [], time: 0, cpu: 0, interrupted: false });
  const lines = plain([fail('a:do_compile', 'a'), fail('b:do_compile', 'b'), { kind: 'build-finished', attempted: 4, current: 2, restored: 0, failed: ['a:do_compile', 'b:do_compile'], interrupted: [] }]);
  t.deepEqual(lines, [
    "err ERROR: Task (/r/a.bb:do_compile) failed with exit code '1'",
    "err ERROR: Task (/r/b.bb:do_compile) failed with exit code '1'",
    "out NOTE: Tasks Summary: Attempted 4 tasks of which 2 didn't need to be rerun and 2 failed.",
    'out ',
    'out Summary: 2 tasks failed:',
    'out   /r/a.bb:do_compile',
    'out   /r/b.bb:do_compile',
    'out Summary: There were 2 ERROR messages, returning a non-zero exit code.',
  ]);
});
