import test from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BuildEvent } from '../../../engine/core/log/events.js';
import { createReporter, type Reporter } from '../../../engine/core/log/reporter.js';
import { progressLine } from '../../../engine/core/log/status-area.js';
import { FOO, T0, failedBuild, successfulBuild } from './events-fixture.js';

const ERASE = /\x1b\[(\d+)A\x1b\[J/g;
const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

interface Screen {
  readonly reporter: Reporter;
  /** Everything written, both streams, in order. */
  readonly written: () => string;
  /** What a terminal would show: the erase sequences applied. */
  readonly visible: () => string[];
}

function tty(opts: { quiet?: boolean; verbose?: boolean; now?: number } = {}): Screen {
  let all = '';
  const reporter = createReporter({
    tty: true,
    quiet: opts.quiet ?? false,
    verbose: opts.verbose ?? false,
    out: (s) => (all += s),
    err: (s) => (all += s),
    columns: 60,
    rows: 10,
    now: () => opts.now ?? T0 + 4000,
  });
  const visible = (): string[] => {
    const lines: string[] = [];
    let rest = all;
    for (;;) {
      const m = /\x1b\[(\d+)A\x1b\[J/.exec(rest);
      const chunk = m ? rest.slice(0, m.index) : rest;
      lines.push(...chunk.split('\n').slice(0, -1));
      if (!m) break;
      lines.splice(lines.length - Number(m[1]), Number(m[1]));
      rest = rest.slice(m.index + m[0].length);
    }
    return lines;
  };
  return { reporter, written: () => all, visible };
}

const started: BuildEvent = { kind: 'task-started', id: 'foo:do_compile', recipeFile: FOO, task: 'do_compile', pn: 'foo', index: 1, total: 4, time: T0 + 1000, pf: 'foo-1.0-r0', pid: 1234 } as BuildEvent;

test('the status area shows the progress bar and each running task with its elapsed time and pid', async (t) => {
  const s = tty();
  s.reporter.sink({ kind: 'plan', total: 6, current: 2, toRun: 4 });
  s.reporter.sink(started);
  await sleep(150); // let a rate-limited redraw happen
  const screen = s.visible();
  t.deepEqual(screen, [
    progressLine('Running tasks (1 of 4)', 0, 4, 60),
    '0: foo-1.0-r0 do_compile - 3s (pid 1234)',
  ]);
  t.regex(screen[0] ?? '', /^Running tasks \(1 of 4\)   0% \|\s+\|$/);
  s.reporter.close();
  t.deepEqual(s.visible(), [], 'close() erases the status area');
});

test('notes and warnings print above the status area; task lines only with -v', async (t) => {
  const s = tty();
  s.reporter.sink(started);
  s.reporter.sink({ kind: 'note', message: 'hello' });
  s.reporter.sink({ kind: 'warning', message: 'careful', file: FOO, line: 2 });
  await sleep(150);
  const screen = s.visible();
  t.deepEqual(screen.slice(0, 2), ['NOTE: hello', `WARNING: ${FOO}:2: careful`]);
  t.regex(screen[2] ?? '', /^Running tasks \(1 of 4\)/);
  t.false(s.written().includes('Running task 1 of 4'));
  s.reporter.close();

  const v = tty({ verbose: true });
  v.reporter.sink(started);
  v.reporter.close();
  t.deepEqual(v.visible(), [`NOTE: Running task 1 of 4 (${FOO}:do_compile)`, 'NOTE: recipe foo-1.0-r0: task do_compile: Started']);
});

test('-q shows only the bar, no task lines', async (t) => {
  const s = tty({ quiet: true });
  s.reporter.sink(started);
  await sleep(150);
  t.is(s.visible().length, 1);
  t.regex(s.visible()[0] ?? '', /^Running tasks \(1 of 4\)/);
  s.reporter.close();
});

test('a whole build leaves the same text as the plain view minus task lines, and no timers', async (t) => {
  const before = timers();
  const s = tty();
  for (const e of [...successfulBuild(), ...failedBuild()]) s.reporter.sink(e);
  s.reporter.close();
  t.is(timers(), before, 'no timer survives close()');
  const screen = s.visible();
  t.true(screen.includes("NOTE: Tasks Summary: Attempted 5 tasks of which 3 didn't need to be rerun and all succeeded."));
  t.true(screen.includes(`ERROR: Task (${FOO}:do_compile) failed with exit code '2'`));
  t.true(screen.includes('Execution was interrupted, returning a non-zero exit code.'));
  t.false(screen.some((l) => l.startsWith('Running tasks')), 'the finished build shows no status area');
  t.false(screen.some((l) => l.includes('Running task ')));
  const erased = [...s.written().matchAll(ERASE)].length;
  t.true(erased > 0, 'the status area was drawn and erased');
});

test('parsing shows its own bar', (t) => {
  const s = tty();
  s.reporter.sink({ kind: 'parse-progress', done: 5, total: 10 });
  t.deepEqual(s.visible(), [progressLine('Parsing recipes:', 5, 10, 60)]);
  t.regex(s.visible()[0] ?? '', /^Parsing recipes:  50% \|#+ +\|$/);
  s.reporter.sink({ kind: 'parse-progress', done: 10, total: 10 });
  s.reporter.close();
  t.deepEqual(s.visible(), []);
});

test('progressLine fills the bar to the width, never wider than the terminal', (t) => {
  t.is(progressLine('X', 1, 2, 20), 'X  50% |#####     |');
  t.is(progressLine('X', 2, 2, 20).length, 19);
  t.is(progressLine('X', 0, 0, 20), 'X   0% |          |');
});
