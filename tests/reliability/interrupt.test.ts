/**
 * Ctrl-C always works: Python that never returns (anonymous python at parse time, a python
 * task, a command that only parses) is stopped by SIGINT or SIGTERM, tsbake exits 130/143,
 * and no process of the run remains. A hung worker hits the time limit named in the error.
 * Every wait is on an event (a file the Python wrote, the process exit), never a delay.
 */
import test, { type ExecutionContext } from 'ava';
import { existsSync, writeFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { bake, command, processesIn, runLayer, startBake, tempDir, TSBAKE_MAIN, waitFor, type LiveBuild } from '../run/run-layer.js';

const ONLY_BUILD = 'do_build[noexec] = "1"\naddtask build\n';

/** Anonymous python that announces itself (a file in TOPDIR), then loops for ever. */
const ANON_LOOP = "python () {\n    open(d.getVar('TOPDIR') + '/looping', 'w').close()\n    while True:\n        pass\n}\n";
const TASK_LOOP = "python do_spin() {\n    open(d.getVar('T') + '/spinning', 'w').close()\n    while True:\n        pass\n}\naddtask spin before do_build\n";

/** No python time limit: only the signal may stop the run. */
const NO_LIMIT = { TSBAKE_PYTHON_TIMEOUT: '0' };

/** Starts any tsbake command line (not only builds) in `dir`. */
function start(dir: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): LiveBuild {
  const child = spawn(process.execPath, [TSBAKE_MAIN, ...args], { cwd: dir, env: { PATH: process.env['PATH'], HOME: process.env['HOME'], ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
  // 'close', not 'exit': the last lines (the interrupted note) can arrive after the exit event.
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  if (child.pid === undefined) throw new Error('cannot start tsbake');
  return { child, pid: child.pid, output: () => out, exit };
}

async function interrupt(t: ExecutionContext, dir: string, run: LiveBuild, marker: string, signals: readonly NodeJS.Signals[], expected: number): Promise<void> {
  if (!(await waitFor(() => existsSync(marker), 60_000))) {
    run.child.kill('SIGKILL');
    t.fail(`the Python never started:\n${run.output()}`);
    return;
  }
  for (const s of signals) run.child.kill(s);
  // The bound only stops a hang (a stop that never comes); TSBAKE_PYTHON_TIMEOUT=0 makes sure
  // the python time limit cannot end the run in the signal's place.
  const exit = await Promise.race([run.exit, delay(120_000).then(() => undefined)]);
  if (exit === undefined) {
    run.child.kill('SIGKILL');
    t.fail(`tsbake did not stop after ${signals.join(', ')}:\n${run.output()}`);
    return;
  }
  t.is(exit.code, expected, run.output());
  t.notRegex(run.output(), /\n\s+at /, 'no JavaScript stack');
  await waitFor(() => processesIn(dir).length === 0, 15_000, 50);
  t.deepEqual(processesIn(dir), [], 'no process of the run remains');
}

test('SIGINT stops anonymous python that loops for ever during a build', async (t) => {
  const dir = runLayer({ loop_1: ANON_LOOP }, { base: ONLY_BUILD });
  await interrupt(t, dir, startBake(dir, ['loop'], NO_LIMIT), join(dir, 'looping'), ['SIGINT'], 130);
});

test('SIGINT stops anonymous python that loops only when the recipe is parsed again for its tasks', async (t) => {
  const late = "python () {\n    import os\n    if os.path.exists(d.getVar('TOPDIR') + '/loopnow'):\n        open(d.getVar('TOPDIR') + '/looping', 'w').close()\n        while True:\n            pass\n}\ndo_compile() {\n\ttrue\n}\naddtask compile before do_build\n";
  const dir = runLayer({ late_1: late }, { base: ONLY_BUILD });
  t.is(bake(dir, ['late']).status, 0, 'the first build fills the parse cache');
  writeFileSync(join(dir, 'loopnow'), '');
  await interrupt(t, dir, startBake(dir, ['-f', '-c', 'compile', 'late'], NO_LIMIT), join(dir, 'looping'), ['SIGINT'], 130);
});

test('SIGTERM stops it too, with 143', async (t) => {
  const dir = runLayer({ loop_1: ANON_LOOP }, { base: ONLY_BUILD });
  await interrupt(t, dir, startBake(dir, ['loop'], NO_LIMIT), join(dir, 'looping'), ['SIGTERM'], 143);
});

test('two SIGINTs in a row still exit 130', async (t) => {
  const dir = runLayer({ loop_1: ANON_LOOP }, { base: ONLY_BUILD });
  await interrupt(t, dir, startBake(dir, ['loop'], NO_LIMIT), join(dir, 'looping'), ['SIGINT', 'SIGINT'], 130);
});

test('python that ignores SIGTERM is killed after the grace period', async (t) => {
  const stubborn = "python () {\n    import signal\n    signal.signal(signal.SIGTERM, signal.SIG_IGN)\n    open(d.getVar('TOPDIR') + '/looping', 'w').close()\n    while True:\n        pass\n}\n";
  const dir = runLayer({ loop_1: stubborn }, { base: ONLY_BUILD });
  await interrupt(t, dir, startBake(dir, ['loop'], NO_LIMIT), join(dir, 'looping'), ['SIGINT'], 130);
});

test('a python task that ignores SIGTERM is killed after the grace period', async (t) => {
  const stubborn = "python do_spin() {\n    import signal\n    signal.signal(signal.SIGTERM, signal.SIG_IGN)\n    open(d.getVar('T') + '/spinning', 'w').close()\n    while True:\n        pass\n}\naddtask spin before do_build\n";
  const dir = runLayer({ spin_1: stubborn }, { base: ONLY_BUILD });
  await interrupt(t, dir, startBake(dir, ['spin'], NO_LIMIT), join(tempDir(dir, 'spin'), 'spinning'), ['SIGINT'], 130);
});

test('SIGINT stops a python task that loops for ever', async (t) => {
  const dir = runLayer({ spin_1: TASK_LOOP }, { base: ONLY_BUILD });
  const run = startBake(dir, ['spin'], NO_LIMIT);
  await interrupt(t, dir, run, join(tempDir(dir, 'spin'), 'spinning'), ['SIGINT'], 130);
  t.regex(run.output(), /do_spin\) was interrupted/);
});

for (const args of [['-p'], ['getvar', '-r', 'loop', 'PN'], ['-e', 'loop']]) {
  test(`SIGINT stops looping anonymous python in tsbake ${args.join(' ')}`, async (t) => {
    const dir = runLayer({ loop_1: ANON_LOOP }, { base: ONLY_BUILD });
    await interrupt(t, dir, start(dir, args, NO_LIMIT), join(dir, 'looping'), ['SIGINT'], 130);
  });
}

test('SIGINT stops looping anonymous python in a parallel parse (worker threads)', async (t) => {
  const recipes: Record<string, string> = { zz_loop_1: ANON_LOOP };
  for (let i = 0; i < 320; i++) recipes[`r${i}_1`] = 'A = "1"\n';
  const dir = runLayer(recipes, { base: ONLY_BUILD, conf: 'BB_NUMBER_PARSE_THREADS = "3"\n' });
  await interrupt(t, dir, start(dir, ['-p'], NO_LIMIT), join(dir, 'looping'), ['SIGINT'], 130);
});

test('a python worker that hangs without output hits TSBAKE_PYTHON_TIMEOUT, named in the error', (t) => {
  const dir = runLayer({ hang_1: 'python () {\n    import time\n    time.sleep(100000)\n}\n' }, { base: ONLY_BUILD });
  const r = command(dir, ['getvar', '-r', 'hang', 'PN'], { TSBAKE_PYTHON_TIMEOUT: '1' });
  t.is(r.status, 2);
  t.regex(r.stderr, /hang_1\.bb.*error: .*no sign of life for 1 s.*TSBAKE_PYTHON_TIMEOUT/);
  t.deepEqual(processesIn(dir), []);
});
