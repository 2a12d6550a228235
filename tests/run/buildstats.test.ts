import test from 'ava';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../engine/core/errors.js';
import type { BuildEvent } from '../../engine/core/log/events.js';
import { buildstatsCommand, buildstatsReport, chooseBuild } from '../../engine/cli/commands/buildstats.js';
import { escapeXml, renderTimeline, taskColour, tickStep } from '../../engine/cli/commands/buildstats-timeline.js';
import { buildIdFor, createBuildstats, readBuildstats, type BuildstatsData } from '../../engine/run/buildstats.js';

const T0 = Date.UTC(2024, 0, 2, 3, 4, 5);
const sec = (ms: number): string => ((T0 + ms) / 1000).toFixed(2);

const start = (pn: string, task: string, at: number, pf = `${pn}-1.0-r0`): BuildEvent =>
  ({ kind: 'task-started', id: `${pn}:${task}`, recipeFile: `/r/${pn}.bb`, task, pn, index: 1, total: 4, time: T0 + at, pf }) as BuildEvent;
const end = (pn: string, task: string, at: number, cpu: number): BuildEvent => ({ kind: 'task-finished', id: `${pn}:${task}`, task, pn, outcome: 'ran', time: T0 + at, cpu });

/** a and b overlap; c starts in a's freed slot 0, d in b's slot 1; d never ends. */
function events(): BuildEvent[] {
  return [
    { kind: 'plan', total: 7, current: 1, toRun: 4 },
    { kind: 'task-finished', id: 'z:do_populate_sysroot', task: 'do_populate_sysroot', pn: 'z', outcome: 'restored', time: T0, cpu: 0 },
    { kind: 'task-finished', id: 'z:do_fetch', task: 'do_fetch', pn: 'z', outcome: 'current', time: T0, cpu: 0 },
    { kind: 'task-finished', id: 'z:do_build', task: 'do_build', pn: 'z', outcome: 'noexec', time: T0, cpu: 0 },
    start('foo', 'do_compile', 1000),
    start('bar', 'do_install', 1500, 'bar-2.1-r3'),
    end('foo', 'do_compile', 3000, 1.5),
    start('baz', 'do_configure', 3100),
    { kind: 'task-failed', id: 'bar:do_install', recipeFile: '/r/bar.bb', task: 'do_install', pn: 'bar', exitCode: 2, logFile: '/t/log', logTail: [], time: T0 + 3500, cpu: 0.25, interrupted: false },
    start('qux', 'do_compile', 3600),
    end('baz', 'do_configure', 5000, 0.5),
    { kind: 'build-finished', attempted: 7, current: 2, restored: 1, failed: ['bar:do_install'], interrupted: [] },
  ];
}

function record(base: string, startTime = T0): BuildstatsData {
  const bs = createBuildstats({ base, startTime, hostInfo: 'Linux 6.1 x86_64' });
  for (const e of events()) bs.sink(e);
  const data = bs.close(T0 + 6000);
  bs.close(T0 + 9999); // idempotent
  return data;
}

const tmp = (): string => mkdtempSync(join(tmpdir(), 'tsbake-buildstats-'));

function allFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? allFiles(join(dir, d.name), `${prefix}${d.name}/`) : [`${prefix}${d.name}`])).sort();
}

test('the build id is the start time in UTC, YYYYMMDDhhmmss', (t) => {
  t.is(buildIdFor(T0), '20240102030405');
  t.is(buildIdFor(Date.UTC(1999, 11, 31, 23, 59, 59, 999)), '19991231235959');
});

test('one key-value file per recipe/task, build_stats and the JSON, no temp files', (t) => {
  const base = tmp();
  record(base);
  const dir = join(base, '20240102030405');
  t.deepEqual(allFiles(dir), ['bar-2.1-r3/do_install', 'baz-1.0-r0/do_configure', 'build_stats', 'foo-1.0-r0/do_compile', 'qux-1.0-r0/do_compile', 'tsbake-buildstats.json']);
  t.is(
    readFileSync(join(dir, 'foo-1.0-r0/do_compile'), 'utf8'),
    [
      'Event: TaskSucceeded',
      `Started: ${sec(1000)}`,
      `Ended: ${sec(3000)}`,
      'Elapsed time: 2.00 seconds',
      'CPU time: 1.50 seconds',
      'rusage ru_utime: 1.50',
      'rusage ru_stime: 0.00',
      'Slot: 0',
      'Outcome: ran',
      'Exit status: 0',
      'Status: PASSED',
      '',
    ].join('\n'),
  );
  const failed = readFileSync(join(dir, 'bar-2.1-r3/do_install'), 'utf8');
  t.regex(failed, /^Event: TaskFailed\n/);
  t.regex(failed, /\nSlot: 1\nOutcome: failed\nExit status: 2\nStatus: FAILED\n$/);
  t.regex(readFileSync(join(dir, 'qux-1.0-r0/do_compile'), 'utf8'), /\nOutcome: interrupted\nExit status: -1\n/);
  t.is(readFileSync(join(dir, 'build_stats'), 'utf8'), `Host Info: Linux 6.1 x86_64\nBuild Started: ${sec(0)}\nFailed at: bar-2.1-r3 at task: do_install\nElapsed time: 6.00 seconds\n`);
});

test('slots: a task takes the lowest free slot; the JSON reads back', (t) => {
  const base = tmp();
  const data = record(base);
  t.deepEqual(
    data.tasks.map((s) => [s.id, s.slot, s.outcome, s.exitCode]),
    [
      ['foo:do_compile', 0, 'ran', 0],
      ['bar:do_install', 1, 'failed', 2],
      ['baz:do_configure', 0, 'ran', 0],
      ['qux:do_compile', 1, 'interrupted', -1],
    ],
  );
  t.is(data.slots, 2);
  t.deepEqual(data.settled, { current: 1, restored: 1, noexec: 1 });
  t.deepEqual(readBuildstats(join(base, data.buildId)), data);
  t.is(data.started, T0 / 1000);
  t.is(data.ended, (T0 + 6000) / 1000);
});

test('a build that starts no task writes nothing', (t) => {
  const base = tmp();
  const bs = createBuildstats({ base, startTime: T0 });
  bs.sink({ kind: 'task-finished', id: 'z:do_fetch', task: 'do_fetch', pn: 'z', outcome: 'current', time: T0, cpu: 0 });
  const data = bs.close();
  t.deepEqual(data.settled, { current: 1, restored: 0, noexec: 0 });
  t.deepEqual(readdirSync(base), []);
});

test('a second build in the same second gets its own directory, which sorts after the first', (t) => {
  const base = tmp();
  record(base);
  const bs = createBuildstats({ base, startTime: T0 + 500 });
  for (const e of events()) bs.sink(e);
  t.is(bs.close().buildId, '20240102030405-1');
  t.is(bs.dir, join(base, '20240102030405-1'));
  t.is(chooseBuild(base, undefined), '20240102030405-1');
});

test('the same events give the same files', (t) => {
  const a = tmp();
  const b = tmp();
  record(a);
  record(b);
  const read = (base: string): string[] => allFiles(join(base, '20240102030405')).map((f) => readFileSync(join(base, '20240102030405', f), 'utf8'));
  t.deepEqual(read(a), read(b));
});

test('tsbake buildstats prints totals and the slowest tasks of the latest build', (t) => {
  const base = tmp();
  record(base, T0 - 86_400_000);
  record(base);
  t.is(chooseBuild(base, undefined), '20240102030405');
  t.is(chooseBuild(base, '20240101030405'), '20240101030405');
  t.throws(() => chooseBuild(base, '../x'), { instanceOf: UsageError });
  t.throws(() => chooseBuild(tmp(), undefined), { instanceOf: UsageError, message: /no buildstats/ });
  let out = '';
  t.is(buildstatsCommand({ base }, (s) => (out += s)), 0);
  t.is(
    out,
    [
      'Build 20240102030405',
      '  Wall clock:     6.00 s',
      '  Tasks run:      4 (2 succeeded, 1 failed, 1 interrupted)',
      '  Tasks not run:  3 (1 restored, 1 current, 1 noexec)',
      '  Task time:      8.30 s in 2 slots (parallelism 1.66)',
      '  CPU time:       2.25 s',
      '',
      'Slowest tasks:',
      '  Elapsed (s)    CPU (s)  Task',
      '         2.40       0.00  qux-1.0-r0 do_compile (interrupted)',
      '         2.00       0.25  bar-2.1-r3 do_install (failed)',
      '         2.00       1.50  foo-1.0-r0 do_compile',
      '         1.90       0.50  baz-1.0-r0 do_configure',
      '',
    ].join('\n'),
  );
  t.is(buildstatsReport(readBuildstats(join(base, '20240102030405')), 1).split('\n').filter((l) => l.endsWith('(interrupted)')).length, 1);
});

/** Checks that tags nest and close and that text holds no raw markup characters. */
function assertWellFormed(t: { true(v: boolean, m?: string): void; deepEqual(a: unknown, b: unknown, m?: string): void }, xml: string): void {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: string[] = [];
  let last = 0;
  for (const m of body.matchAll(/<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<>]*")*)\s*(\/?)>/g)) {
    const text = body.slice(last, m.index);
    t.true(!/[<>]|&(?!(amp|lt|gt|quot|apos);)/.test(text), `raw markup in text: ${text}`);
    last = (m.index ?? 0) + m[0].length;
    const [, close, name = '', , selfClose] = m;
    if (selfClose) continue;
    if (close) t.deepEqual(stack.pop(), name, `</${name}> closes the open element`);
    else stack.push(name);
  }
  t.true(body.slice(last).trim() === '', 'nothing after the root');
  t.deepEqual(stack, [], 'every element is closed');
}

test('--svg draws a well-formed, deterministic timeline with one row per slot', (t) => {
  const base = tmp();
  const data = record(base);
  const svgFile = join(base, 'timeline.svg');
  let out = '';
  buildstatsCommand({ base, svg: svgFile }, (s) => (out += s));
  t.true(out.endsWith(`Timeline written to ${svgFile}\n`));
  const svg = readFileSync(svgFile, 'utf8');
  assertWellFormed(t, svg);
  t.is(svg, renderTimeline(data));
  t.is([...svg.matchAll(/<g class="slot" data-slot="(\d+)">/g)].length, 2);
  const rects = [...svg.matchAll(/<rect [^>]*><title>([^<]*)<\/title><\/rect>/g)].map((m) => m[1]);
  t.is(rects.length, 4, 'a rectangle per task');
  t.true(svg.includes(`fill="${taskColour('do_compile')}"`));
  t.true(svg.includes('stroke="#d62728"'), 'failed tasks are outlined');
  t.true(svg.includes('>foo do_compile</text>'), 'a long task is labelled');
});

test('the timeline escapes names and handles an empty build', (t) => {
  const data: BuildstatsData = {
    format: 'tsbake-buildstats/1',
    buildId: '20240102030405',
    started: 0,
    ended: 100,
    slots: 1,
    settled: { current: 0, restored: 0, noexec: 0 },
    tasks: [{ id: 'a&b:do_x', pn: 'a&b', pf: 'a&b-1-r0', task: 'do_<x>', recipeFile: '/r', slot: 0, started: 0, ended: 100, cpu: 1, outcome: 'ran', exitCode: 0 }],
  };
  const svg = renderTimeline(data);
  assertWellFormed(t, svg);
  t.true(svg.includes('a&amp;b do_&lt;x&gt;'));
  assertWellFormed(t, renderTimeline({ ...data, slots: 0, tasks: [] }));
  t.is(escapeXml(`<&>"'`), '&lt;&amp;&gt;&quot;&apos;');
  t.deepEqual([0.5, 7, 13, 95, 4000].map(tickStep), [0.05, 1, 2, 10, 500]);
  // FNV-1a of the name (checked with an independent implementation): the same colour on every machine.
  t.is(taskColour('do_something_custom'), 'hsl(75,55%,76%)');
  t.is(taskColour('do_compile'), '#80b1d3');
});
