/** A small synthetic build, as the scheduler would report it, shared by the reporter tests. */
import type { BuildEvent } from '../../../engine/core/log/events.js';

export const FOO = '/layers/meta/recipes-foo/foo/foo_1.0.bb';
export const BAR = '/layers/meta/recipes-bar/bar/bar_2.1.bb';
/** Epoch milliseconds: 2024-01-02 03:04:05 UTC. */
export const T0 = Date.UTC(2024, 0, 2, 3, 4, 5);

/** Task events may carry PF and a pid; the reporters use them when present. */
const started = (id: string, recipeFile: string, pn: string, pf: string, task: string, index: number, total: number, time: number, pid?: number): BuildEvent =>
  ({ kind: 'task-started', id, recipeFile, task, pn, index, total, time, pf, ...(pid === undefined ? {} : { pid }) }) as BuildEvent;

export function successfulBuild(): BuildEvent[] {
  return [
    { kind: 'plan', total: 5, current: 1, toRun: 2 },
    { kind: 'task-finished', id: 'baz:do_populate_sysroot', task: 'do_populate_sysroot', pn: 'baz', outcome: 'restored', time: T0, cpu: 0 },
    started('foo:do_compile', FOO, 'foo', 'foo-1.0-r0', 'do_compile', 1, 2, T0 + 1000, 1234),
    { kind: 'note', message: 'Fetching sources for foo' },
    { kind: 'warning', message: 'QA issue: foo has no LICENSE', file: FOO, line: 7 },
    { kind: 'task-finished', id: 'foo:do_compile', task: 'do_compile', pn: 'foo', outcome: 'ran', time: T0 + 4000, cpu: 2.5, pf: 'foo-1.0-r0' } as BuildEvent,
    started('bar:do_install', BAR, 'bar', 'bar-2.1-r3', 'do_install', 2, 2, T0 + 4100),
    { kind: 'task-finished', id: 'bar:do_install', task: 'do_install', pn: 'bar', outcome: 'ran', time: T0 + 5000, cpu: 0.25, pf: 'bar-2.1-r3' } as BuildEvent,
    { kind: 'task-finished', id: 'bar:do_build', task: 'do_build', pn: 'bar', outcome: 'noexec', time: T0 + 5000, cpu: 0 },
    { kind: 'build-finished', attempted: 5, current: 2, restored: 1, failed: [], interrupted: [] },
  ];
}

export function failedBuild(): BuildEvent[] {
  return [
    { kind: 'plan', total: 3, current: 0, toRun: 3 },
    started('foo:do_compile', FOO, 'foo', 'foo-1.0-r0', 'do_compile', 1, 3, T0 + 1000),
    started('bar:do_install', BAR, 'bar', 'bar-2.1-r3', 'do_install', 2, 3, T0 + 1500),
    {
      kind: 'task-failed',
      id: 'foo:do_compile',
      recipeFile: FOO,
      task: 'do_compile',
      pn: 'foo',
      exitCode: 2,
      logFile: '/build/tmp/work/foo/1.0-r0/temp/log.do_compile.4242',
      logTail: ['gcc -c foo.c', 'foo.c:1: error: expected ;'],
      time: T0 + 2000,
      cpu: 0.5,
      interrupted: false,
    },
    {
      kind: 'task-failed',
      id: 'bar:do_install',
      recipeFile: BAR,
      task: 'do_install',
      pn: 'bar',
      exitCode: 143,
      logFile: '/build/tmp/work/bar/2.1-r3/temp/log.do_install.4243',
      logTail: [],
      time: T0 + 2500,
      cpu: 0.1,
      interrupted: true,
    },
    { kind: 'build-finished', attempted: 2, current: 0, restored: 0, failed: ['foo:do_compile'], interrupted: ['bar:do_install'] },
  ];
}
