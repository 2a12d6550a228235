/**
 * Reliability with real processes: the build lock, Ctrl-C and SIGTERM during long tasks
 * (including a task that leaves a background grandchild), a second Ctrl-C, and kill -9 of
 * tsbake itself. Every test checks /proc afterwards: no process of the build may remain,
 * the python3 task spawner included. Long sleeps are always cut short by the test.
 */
import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bake, processesIn, runLayer, stampHash, started, startBake, tempDir, waitFor, type LiveBuild } from './run-layer.js';

const ONLY_BUILD = 'do_build[noexec] = "1"\naddtask build\n';

/**
 * do_long sleeps; do_bg leaves a background grandchild; do_after would run after both. With
 * ${TOPDIR}/fast present the tasks finish at once (that file is not a hashed input).
 */
const LONG = [
  'do_long() {',
  '\techo started > ${T}/long.started',
  '\tif [ ! -e ${TOPDIR}/fast ]; then sleep 30; fi',
  '}',
  'addtask long',
  'do_bg() {',
  '\tif [ ! -e ${TOPDIR}/fast ]; then',
  "\t\tsh -c 'sleep 40' &",
  '\t\techo $! > ${T}/bg.pid',
  '\tfi',
  '\techo started > ${T}/bg.started',
  '\tif [ ! -e ${TOPDIR}/fast ]; then sleep 30; fi',
  '}',
  'addtask bg',
  'do_after() {',
  '\ttouch ${T}/after.ran',
  '}',
  'addtask after after do_long do_bg before do_build',
  '',
].join('\n');

async function startLong(t: ExecutionContext, recipe = LONG, env: NodeJS.ProcessEnv = {}): Promise<{ dir: string; build: LiveBuild }> {
  const dir = runLayer({ a_1: recipe }, { base: ONLY_BUILD });
  const build = startBake(dir, ['a'], env);
  const temp = tempDir(dir, 'a');
  const up = await waitFor(() => existsSync(join(temp, 'long.started')) && existsSync(join(temp, 'bg.started')));
  if (!up) {
    build.child.kill('SIGKILL');
    t.fail(`the tasks never started:\n${build.output()}`);
  }
  return { dir, build };
}

/** Running (a zombie waiting for init to reap it counts as gone). */
function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Waits (generously) for every process of the build to go, then says which remain. */
async function noneLeft(t: ExecutionContext, dir: string): Promise<void> {
  await waitFor(() => processesIn(dir).length === 0);
  t.deepEqual(processesIn(dir), [], 'no process of the build remains');
}

/** The grandchild's pid, to prove it is gone too (it could leave the test dir as its cwd). */
const grandchild = (dir: string): number => Number(readFileSync(join(tempDir(dir, 'a'), 'bg.pid'), 'utf8'));

function interruptedReport(t: ExecutionContext, dir: string, out: string): void {
  t.regex(out, new RegExp(`NOTE: Task \\(${dir}/recipes/a_1\\.bb:do_long\\) was interrupted`));
  t.regex(out, new RegExp(`NOTE: Task \\(${dir}/recipes/a_1\\.bb:do_bg\\) was interrupted`));
  t.regex(out, /^Summary: 2 tasks were interrupted:$/m);
  t.regex(out, /^Execution was interrupted, returning a non-zero exit code\.$/m);
  t.is(stampHash(dir, 'a', 'do_long'), undefined);
  t.is(stampHash(dir, 'a', 'do_bg'), undefined);
  t.false(existsSync(join(tempDir(dir, 'a'), 'after.ran')), 'nothing new started');
}

test.serial('a second tsbake in the same build directory fails while the first holds the lock', async (t) => {
  const { dir, build } = await startLong(t);
  t.is(readFileSync(join(dir, 'tsbake.lock'), 'utf8').trim(), String(build.pid));
  const second = bake(dir, ['a']);
  t.not(second.status, 0);
  t.regex(second.stderr, new RegExp(`another tsbake \\(pid ${build.pid}\\) is using ${dir}`));
  t.true(existsSync(join(dir, 'tsbake.lock')), 'the loser does not remove the winner’s lock');
  writeFileSync(join(dir, 'fast'), '');
  build.child.kill('SIGINT');
  await build.exit;
  t.false(existsSync(join(dir, 'tsbake.lock')), 'released on exit');
  await noneLeft(t, dir);
});

test.serial('a stale lock (its pid is dead) is taken over', (t) => {
  const dir = runLayer({ a_1: 'do_x() {\n\t:\n}\naddtask x before do_build\n' }, { base: ONLY_BUILD });
  const dead = spawnSync('true').pid;
  t.false(pidAlive(dead));
  writeFileSync(join(dir, 'tsbake.lock'), `${dead}\n`);
  const r = bake(dir, ['a']);
  t.is(r.status, 0, r.stderr + r.stdout);
  t.deepEqual(started(r.stdout), ['a:do_x']);
  t.false(existsSync(join(dir, 'tsbake.lock')));
});

test.serial('SIGINT: exit 130, the interrupted tasks are reported without stamps, and no process remains', async (t) => {
  const { dir, build } = await startLong(t);
  // The background `sh -c 'sleep 40'` becomes `sleep 40` when sh execs it, whenever the machine gets to it.
  t.true(await waitFor(() => processesIn(dir).some((p) => p.cmdline === 'sleep 40')), 'the /proc scan sees the grandchild');
  t.true(processesIn(dir).some((p) => p.cmdline.includes('spawner.py')), 'and the spawner');
  const child = grandchild(dir);
  build.child.kill('SIGINT');
  const exit = await build.exit;
  t.is(exit.code, 130, build.output());
  interruptedReport(t, dir, build.output());
  await noneLeft(t, dir);
  t.true(await waitFor(() => !pidAlive(child)), 'the background grandchild is gone');
  t.false(existsSync(join(dir, 'tsbake.lock')));
});

test.serial('SIGTERM: the same orderly stop', async (t) => {
  const { dir, build } = await startLong(t);
  const child = grandchild(dir);
  build.child.kill('SIGTERM');
  const exit = await build.exit;
  t.true(exit.code === 130 || exit.code === 143, `exit ${String(exit.code)}`);
  interruptedReport(t, dir, build.output());
  await noneLeft(t, dir);
  t.true(await waitFor(() => !pidAlive(child)));
});

// ARCHITECTURE.md (rule 7): SIGTERM exits 143, Ctrl-C 130.
test.serial('SIGTERM exits with status 143', async (t) => {
  const { dir, build } = await startLong(t);
  build.child.kill('SIGTERM');
  t.is((await build.exit).code, 143);
  await noneLeft(t, dir);
});

test.serial('a second SIGINT kills at once, without the grace period', async (t) => {
  // The task survives SIGTERM until told: its trap writes `term`, waits for ${TOPDIR}/release, writes `late`.
  const trapping = LONG.replace(
    "\techo started > ${T}/long.started\n",
    "\ttrap 'echo term > ${T}/term; while [ ! -e ${TOPDIR}/release ]; do sleep 0.05; done; echo late > ${T}/late' TERM\n\techo started > ${T}/long.started\n",
  );
  // A grace period far longer than the test: only the second SIGINT can end the task early.
  const env = { TSBAKE_KILL_GRACE_MS: String(3_600_000) };
  // Control: after one SIGINT the trap runs to its end.
  const one = await startLong(t, trapping, env);
  one.build.child.kill('SIGINT');
  t.true(await waitFor(() => existsSync(join(tempDir(one.dir, 'a'), 'term'))), 'the task got SIGTERM');
  writeFileSync(join(one.dir, 'release'), '');
  t.is((await one.build.exit).code, 130);
  t.true(existsSync(join(tempDir(one.dir, 'a'), 'late')), 'one SIGINT lets the task finish its trap');
  await noneLeft(t, one.dir);

  const two = await startLong(t, trapping, env);
  const temp = tempDir(two.dir, 'a');
  two.build.child.kill('SIGINT');
  t.true(await waitFor(() => existsSync(join(temp, 'term'))), 'the task got SIGTERM');
  two.build.child.kill('SIGINT');
  const exit = await two.build.exit;
  t.is(exit.code, 130, two.build.output());
  t.false(existsSync(join(temp, 'late')), 'the second SIGINT killed the task in its trap');
  interruptedReport(t, two.dir, two.build.output());
  await noneLeft(t, two.dir);
});

test.serial('kill -9 of tsbake: its tasks go too, and the next run notes the interrupted tasks and reruns them', async (t) => {
  const { dir, build } = await startLong(t);
  const child = grandchild(dir);
  build.child.kill('SIGKILL');
  await build.exit;
  // The spawner sees its stdin close and kills every task group (SIGTERM, then SIGKILL).
  await noneLeft(t, dir);
  t.true(await waitFor(() => !pidAlive(child)));
  t.is(readFileSync(join(dir, 'tsbake.lock'), 'utf8').trim(), String(build.pid), 'the dead run’s lock is left behind');

  writeFileSync(join(dir, 'fast'), '');
  const r = bake(dir, ['a']);
  t.is(r.status, 0, r.stderr + r.stdout);
  t.regex(r.stdout, /NOTE: 2 tasks were interrupted by an earlier run and will run again: a:do_bg a:do_long/);
  t.deepEqual([...started(r.stdout)].sort(), ['a:do_after', 'a:do_bg', 'a:do_long']);
  t.truthy(stampHash(dir, 'a', 'do_long'));
  t.false(existsSync(join(dir, 'tsbake.lock')));
  t.false(existsSync(join(dir, 'tmp/tsbake-running-tasks')), 'a clean run removes the journal');
  t.notRegex(bake(dir, ['a']).stdout, /interrupted/);
});

test.serial('after Ctrl-C, the next run reruns the interrupted tasks', async (t) => {
  const { dir, build } = await startLong(t);
  build.child.kill('SIGINT');
  t.is((await build.exit).code, 130);
  await noneLeft(t, dir);
  writeFileSync(join(dir, 'fast'), '');
  const r = bake(dir, ['a']);
  t.is(r.status, 0, r.stderr + r.stdout);
  t.deepEqual([...started(r.stdout)].sort(), ['a:do_after', 'a:do_bg', 'a:do_long']);
});
