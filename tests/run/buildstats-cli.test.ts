/**
 * Buildstats from a real build: the files under ${BUILDSTATS_BASE}/<id>/, `tsbake buildstats`
 * (the slowest tasks) and `tsbake buildstats --svg F`.
 */
import test from 'ava';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bake, command, runLayer } from './run-layer.js';

const layer = (): string => runLayer({ lib_1: 'do_compile() {\n\tsleep 0.1\n}\n', app_1: 'DEPENDS = "lib"\n' });

test('a build leaves one directory of buildstats: a file per task that ran, build_stats and the JSON', (t) => {
  const dir = layer();
  const r = bake(dir, ['app']);
  t.is(r.status, 0, r.stderr + r.stdout);
  const base = join(dir, 'tmp/buildstats');
  const ids = readdirSync(base);
  t.is(ids.length, 1);
  t.regex(ids[0] ?? '', /^\d{14}$/);
  const build = join(base, ids[0] ?? '');
  t.deepEqual(readdirSync(build).sort(), ['app-1-r0', 'build_stats', 'lib-1-r0', 'tsbake-buildstats.json']);
  t.deepEqual(readdirSync(join(build, 'lib-1-r0')).sort(), ['do_compile', 'do_fetch', 'do_install']);
  t.deepEqual(readdirSync(join(build, 'app-1-r0')).sort(), ['do_compile', 'do_fetch', 'do_install'], 'noexec do_build has no file');
  const compile = readFileSync(join(build, 'lib-1-r0/do_compile'), 'utf8');
  t.regex(compile, /^Event: TaskSucceeded\nStarted: \d+\.\d\d\nEnded: \d+\.\d\d\nElapsed time: \d+\.\d\d seconds\n/);
  t.regex(compile, /\nStatus: PASSED\n$/);
  t.regex(readFileSync(join(build, 'build_stats'), 'utf8'), /^Host Info: .*\nBuild Started: \d+\.\d\d\n/);
  const json = JSON.parse(readFileSync(join(build, 'tsbake-buildstats.json'), 'utf8')) as { tasks: Array<{ id: string }> };
  t.is(json.tasks.length, 6);

  // A no-op build starts no task and writes no second directory; neither does -n.
  t.is(bake(dir, ['app']).status, 0);
  t.is(bake(dir, ['-n', '-C', 'compile', 'app']).status, 0);
  t.is(readdirSync(base).length, 1);
});

test('tsbake buildstats prints the slowest tasks of the latest build; --svg writes a timeline', (t) => {
  const dir = layer();
  t.is(bake(dir, ['app']).status, 0);
  const r = command(dir, ['buildstats']);
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /^Build \d{14}\n/);
  t.regex(r.stdout, /Tasks run: +6 \(6 succeeded/);
  const slowest = r.stdout.split('Slowest tasks:\n')[1]?.split('\n').slice(1).filter((l) => l.trim() !== '') ?? [];
  t.is(slowest.length, 6);
  const elapsed = slowest.map((l) => Number(l.trim().split(/\s+/)[0]));
  // Slowest first. (The list is ordered by whole milliseconds but printed in hundredths, so
  // two tasks within a millisecond of each other may print 0.01 apart in either order.)
  t.true(elapsed.every((e, i) => i === 0 || e <= (elapsed[i - 1] ?? 0) + 0.011), r.stdout);
  t.true(slowest.some((l) => l.endsWith('lib-1-r0 do_compile')));
  t.true(slowest.some((l) => l.endsWith('app-1-r0 do_install')));
  const svg = join(dir, 'timeline.svg');
  const s = command(dir, ['buildstats', '--svg', svg]);
  t.is(s.status, 0, s.stderr);
  t.regex(s.stdout, /Timeline written to /);
  t.true(existsSync(svg));
  const text = readFileSync(svg, 'utf8');
  t.regex(text, /<svg[\s>]/);
  t.is([...text.matchAll(/<rect [^>]*><title>/g)].length, 6);
});

test('tsbake buildstats without any build says so and fails', (t) => {
  const r = command(layer(), ['buildstats']);
  t.not(r.status, 0);
  t.regex(r.stderr, /no buildstats/);
});
