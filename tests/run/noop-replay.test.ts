/**
 * The no-op replay (engine/run/noop-replay.ts): a build that finds every task current records
 * its report, and the next build of the same targets replays it without building the task
 * graph. Every input of a task hash must still invalidate it: a recipe, the configuration, a
 * class, a `[file-checksums]` file, a stamp, a taint.
 */
import test from 'ava';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appendConf, bake, runLayer, sorted, stamps, started, tasksSummary } from './run-layer.js';

/** lib (its do_compile reads conf's GREETING and checksums lib-input.txt) and app (DEPENDS lib). */
function pair(): string {
  const lib = 'do_compile() {\n\techo compile ${PN} ${GREETING}\n}\ndo_compile[file-checksums] = "${TOPDIR}/lib-input.txt:True"\n';
  const dir = runLayer({ lib_1: lib, app_1: 'DEPENDS = "lib"\n' }, { conf: 'GREETING = "hello"\n', extra: { 'lib-input.txt': 'one\n' } });
  return dir;
}

const ALL_SIX = ['app:do_compile', 'app:do_fetch', 'app:do_install', 'lib:do_compile', 'lib:do_fetch', 'lib:do_install'];
const TIMED = { TSBAKE_TIMINGS: '1' };

interface Baked {
  readonly started: string[];
  /** Whether the report was replayed: the run built no task graph. */
  readonly replayed: boolean;
  readonly stdout: string;
}

function build(t: { is(a: unknown, b: unknown, m?: string): void }, dir: string, args: readonly string[] = ['app']): Baked {
  const r = bake(dir, args, TIMED);
  t.is(r.status, 0, r.stderr + r.stdout);
  const timings = /^tsbake-timings: (.*)$/m.exec(r.stderr)?.[1] ?? '';
  return { started: sorted(started(r.stdout)), replayed: / replay /.test(` ${timings} `) && !/\bgraph\b/.test(timings), stdout: r.stdout };
}

/** Builds until a no-op has been recorded, and checks the next build replays it. */
function settle(t: Parameters<typeof build>[0], dir: string): void {
  const noop = build(t, dir);
  t.is(noop.started.length, 0);
  const again = build(t, dir);
  t.is(again.replayed, true, 'the second no-op replays the first');
  t.is(again.started.length, 0);
}

test('a no-op build replays the recorded report: the same summary and --log-json events, no task graph', (t) => {
  const dir = pair();
  t.deepEqual(build(t, dir).started, ALL_SIX);
  const recorded = bake(dir, ['--log-json', join(dir, 'first.jsonl'), 'app'], TIMED);
  t.is(recorded.status, 0, recorded.stderr);
  t.regex(recorded.stderr, /^tsbake-timings: .*graph \d+ms/m, 'the first no-op builds the graph');
  const replayed = bake(dir, ['--log-json', join(dir, 'second.jsonl'), 'app'], TIMED);
  t.is(replayed.status, 0, replayed.stderr);
  t.regex(replayed.stderr, /^tsbake-timings: .*replay \d+ms/m);
  t.notRegex(replayed.stderr, /^tsbake-timings: .*graph \d+ms/m);
  t.is(replayed.stdout, recorded.stdout);
  t.regex(replayed.stdout, /^NOTE: Tasks Summary: Attempted 7 tasks of which 7 didn't need to be rerun and all succeeded\.$/m);
  const events = (f: string): string[] => readFileSync(join(dir, f), 'utf8').replace(/"time":\d+/g, '"time":0').split('\n');
  t.deepEqual(events('second.jsonl'), events('first.jsonl'));
  t.is(events('first.jsonl').filter((l) => l.includes('"kind":"task-finished"')).length, 7);
});

test('another target list, task or option is another record', (t) => {
  const dir = pair();
  build(t, dir);
  settle(t, dir);
  const lib = build(t, dir, ['lib']);
  t.is(lib.replayed, false);
  t.is(tasksSummary(lib.stdout)?.attempted, 4);
  t.is(build(t, dir, ['-c', 'compile', 'app']).replayed, false);
  t.is(build(t, dir, ['-c', 'compile', 'app']).replayed, true);
  t.is(tasksSummary(build(t, dir, ['-c', 'compile', 'app']).stdout)?.attempted, 5);
  t.is(build(t, dir).replayed, true, 'the first record is still there');
});

test('an edited recipe, class or configuration reruns the tasks it changes', (t) => {
  const dir = pair();
  build(t, dir);
  settle(t, dir);
  writeFileSync(join(dir, 'recipes/app_1.bb'), 'DEPENDS = "lib"\nEXTRA = "x"\ndo_install() {\n\techo install app differently\n}\n');
  t.deepEqual(build(t, dir).started, ['app:do_install']);
  settle(t, dir);

  appendConf(dir, 'GREETING = "bonjour"\n');
  t.deepEqual(build(t, dir).started, ['app:do_compile', 'app:do_install', 'lib:do_compile', 'lib:do_install']);
  settle(t, dir);

  const base = join(dir, 'classes/base.bbclass');
  writeFileSync(base, readFileSync(base, 'utf8').replace('echo fetch ${PN}', 'echo fetching ${PN}'));
  t.deepEqual(build(t, dir).started, ALL_SIX);
  settle(t, dir);
});

test('an edited [file-checksums] file, a removed stamp or a -C taint reruns the tasks after it', (t) => {
  const dir = pair();
  build(t, dir);
  settle(t, dir);
  writeFileSync(join(dir, 'lib-input.txt'), 'two\n');
  t.deepEqual(build(t, dir).started, ['app:do_compile', 'app:do_install', 'lib:do_compile', 'lib:do_install']);
  settle(t, dir);

  const stampDir = join(dir, 'tmp/stamps');
  const appInstall = readdirSync(stampDir).find((n) => n.startsWith('app.do_install.') && !n.includes('sigdata'));
  t.truthy(appInstall);
  rmSync(join(stampDir, appInstall ?? 'missing'));
  t.deepEqual(build(t, dir).started, ['app:do_install']);
  settle(t, dir);

  t.deepEqual(build(t, dir, ['-C', 'compile', 'lib']).started, ['lib:do_compile', 'lib:do_install']);
  // app:do_compile follows lib:do_install, whose hash the taint changed.
  t.deepEqual(build(t, dir).started, ['app:do_compile', 'app:do_install']);
  settle(t, dir);
  // One stamp per task (app's seven, and lib:do_build from `-C compile lib`): replays wrote none.
  t.is(stamps(dir).length, 8, stamps(dir).join(' '));
});
