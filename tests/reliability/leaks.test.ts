/**
 * No process outlives its task: background jobs, nohup, setsid escapes and a loop writing to
 * the task's log are killed when the task ends (and named in its log), by process group and
 * task token, and with the opt-in PID namespace (TSBAKE_PID_NAMESPACE=1, root only). A task
 * that kills its spawner fails cleanly and its shell stops. Each check reads the process table.
 */
import test from 'ava';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { bake, processesIn, runLayer, tempDir, waitFor } from '../run/run-layer.js';

const ONLY_BUILD = 'do_build[noexec] = "1"\naddtask build\n';

/**
 * Each leftover is a sleep with a distinctive length (in its command line from the start), so
 * the log and the process table show which survived; the task ends only once all are up.
 */
const LEAKY = [
  'do_compile() {',
  "\tsh -c 'touch ${T}/1.up; exec sleep 1001' &",
  "\tnohup sh -c 'touch ${T}/2.up; exec sleep 1002' >/dev/null 2>&1 &",
  "\tsetsid sh -c 'touch ${T}/3.up; exec sleep 1003' &",
  "\t(setsid sh -c 'touch ${T}/4.up; while true; do echo tick; sleep 0.1; done' >> ${T}/tick.log 2>&1 &)",
  '\tfor n in 1 2 3 4; do while [ ! -e ${T}/$n.up ]; do sleep 0.05; done; done',
  '\techo compiled',
  '}',
  'addtask compile before do_build',
  '',
].join('\n');

/** Processes of the build (by cwd or command line), plus any of our sleeps wherever they are. */
function leftovers(dir: string): string[] {
  return processesIn(dir).map((p) => p.cmdline);
}

for (const [name, env] of [
  ['with the PID namespace (root)', { TSBAKE_PID_NAMESPACE: '1' }],
  ['by process group and task token', {}],
] as const) {
  test(`background, nohup and setsid processes die with their task, ${name}`, async (t) => {
    if (name.includes('root') && process.getuid?.() !== 0) {
      t.pass('not root: the PID namespace path is not available');
      return;
    }
    const dir = runLayer({ leak_1: LEAKY }, { base: ONLY_BUILD });
    const r = bake(dir, ['leak'], env);
    t.is(r.status, 0, r.stdout + r.stderr);
    await waitFor(() => leftovers(dir).length === 0, 15_000, 50);
    t.deepEqual(leftovers(dir), [], 'no process of the build remains');
    const log = readFileSync(join(tempDir(dir, 'leak'), 'log.do_compile'), 'utf8');
    t.regex(log, /tsbake killed them/);
    for (const s of ['sleep 1001', 'sleep 1002', 'sleep 1003', 'while true']) t.true(log.includes(s), `the log names ${s}:\n${log}`);
    // The loop is dead: its log does not grow while another (no-op) build runs.
    const tick = join(tempDir(dir, 'leak'), 'tick.log');
    const size = existsSync(tick) ? statSync(tick).size : 0;
    t.is(bake(dir, ['leak'], env).status, 0);
    t.is(existsSync(tick) ? statSync(tick).size : 0, size);
  });
}

test('a task that kills its spawner fails the build and its shell stops', async (t) => {
  const dir = runLayer(
    { killer_1: 'do_compile() {\n\tkill -9 $PPID\n\tsleep 2\n\ttouch ${T}/after\n}\naddtask compile before do_build\n' },
    { base: ONLY_BUILD },
  );
  const r = bake(dir, ['killer']);
  t.is(r.status, 1, r.stdout + r.stderr);
  t.regex(r.stdout + r.stderr, /task spawner exited/);
  await waitFor(() => leftovers(dir).length === 0, 15_000, 50);
  t.deepEqual(leftovers(dir), []);
  t.false(existsSync(join(tempDir(dir, 'killer'), 'after')), 'the shell was stopped');
});

test('in a PID namespace, a task cannot kill its spawner: the build goes on and nothing is left', async (t) => {
  if (process.getuid?.() !== 0) {
    t.pass('not root');
    return;
  }
  const dir = runLayer({ killer_1: 'do_compile() {\n\tkill -9 $PPID || true\n\ttouch ${T}/after\n}\naddtask compile before do_build\n' }, { base: ONLY_BUILD });
  const r = bake(dir, ['killer'], { TSBAKE_PID_NAMESPACE: '1' });
  t.is(r.status, 0, r.stdout + r.stderr);
  t.true(existsSync(join(tempDir(dir, 'killer'), 'after')));
  await waitFor(() => leftovers(dir).length === 0, 15_000, 50);
  t.deepEqual(leftovers(dir), []);
});
