import test from 'ava';
import { BuildTally } from '../../../engine/core/log/build-tally.js';
import type { BuildEvent } from '../../../engine/core/log/events.js';
import { progressLine, statusLines } from '../../../engine/core/log/status-area.js';
import { FOO, T0 } from './events-fixture.js';

const started: BuildEvent = { kind: 'task-started', id: 'foo:do_fetch', recipeFile: FOO, task: 'do_fetch', pn: 'foo', index: 1, total: 2, time: T0, pf: 'foo-1.0-r0', pid: 42 };

test('a running task that reports progress (a large download) gets its own bar in the status area', (t) => {
  const tally = new BuildTally();
  tally.observe({ kind: 'plan', total: 2, current: 0, toRun: 2 });
  tally.observe(started);
  tally.observe({ kind: 'task-progress', id: 'foo:do_fetch', percent: 45 });
  const lines = statusLines(tally, { quiet: false, columns: 80, rows: 10, now: T0 + 3000 });
  t.is(lines[1], progressLine('0: foo-1.0-r0 do_fetch - 3s (pid 42)', 45, 100, 80));
  t.regex(lines[1] ?? '', / 45% \|#+ +\|$/);
  tally.observe({ kind: 'task-finished', id: 'foo:do_fetch', task: 'do_fetch', pn: 'foo', outcome: 'ran', time: T0 + 4000, cpu: 0 });
  t.is(tally.progress.size, 0);
});

test('progress of a task that is not running is ignored', (t) => {
  const tally = new BuildTally();
  tally.observe({ kind: 'task-progress', id: 'foo:do_fetch', percent: 10 });
  t.is(tally.progress.size, 0);
});
