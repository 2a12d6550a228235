import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataStore } from '../../../engine/metadata/datastore.js';
import { PythonWorker, PythonWorkerExited } from '../../../engine/metadata/python/worker-client.js';
import { fixture } from './worker-fixture.js';

const DIST = resolve(import.meta.dirname, '..', '..', '..', 'engine', 'metadata');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits for the process to end; the bound only keeps a leaked process from hanging the test. */
async function gone(pid: number): Promise<boolean> {
  for (const end = Date.now() + 120_000; Date.now() < end; await sleep(50)) if (!alive(pid)) return true;
  return !alive(pid);
}

/** Waits for `file` to appear (bounded, so a broken worker fails the test instead of hanging it). */
async function inside(file: string): Promise<boolean> {
  for (const end = Date.now() + 120_000; Date.now() < end; await sleep(25)) if (existsSync(file)) return true;
  return existsSync(file);
}

/**
 * A tsbake stand-in that starts the worker, prints the python pid, then waits ('idle') or
 * blocks in a long Python call ('busy'). It exits when its stdin closes, so a test run that
 * dies or times out cannot leave it (or its worker) behind.
 */
function standIn(mode: 'idle' | 'busy', dir: string): string {
  const script = join(dir, 'standin.mjs');
  writeFileSync(
    script,
    [
      `import { PythonWorker } from ${JSON.stringify(join(DIST, 'python', 'worker-client.js'))};`,
      `import { DataStore } from ${JSON.stringify(join(DIST, 'datastore.js'))};`,
      'process.stdin.on("end", () => process.exit(0)).resume();',
      'const w = new PythonWorker({ onLog: () => {} });',
      'const d = new DataStore({ python: w, tracking: false });',
      'w.evaluate("1", d, undefined);',
      'process.stdout.write(String(w.pid) + "\\n");',
      // busy: the call writes `busy` once python is inside it, then blocks.
      mode === 'busy' ? `w.exec(d, ${JSON.stringify(`open(${JSON.stringify(join(dir, 'busy'))}, "w").close()\nimport time\ntime.sleep(600)`)}, { file: "x.bb", line: 1 });` : 'setInterval(() => {}, 1000);',
    ].join('\n'),
  );
  return script;
}

for (const mode of ['idle', 'busy'] as const) {
  test(`kill -9 of tsbake leaves no python3 behind (${mode})`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tsbake-kill-'));
    const child = spawn(process.execPath, [standIn(mode, dir)], { stdio: ['pipe', 'pipe', 'ignore'] });
    t.teardown(() => {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });
    const exited = new Promise((ok) => child.once('exit', ok));
    const pid = await new Promise<number>((ok, fail) => {
      let text = '';
      child.stdout.on('data', (b: Buffer) => {
        text += b.toString();
        if (text.includes('\n')) ok(Number(text.trim()));
      });
      void exited.then(() => fail(new Error('stand-in exited early')));
    });
    t.true(alive(pid));
    if (mode === 'busy') t.true(await inside(join(dir, 'busy')), 'python is inside the long call');
    child.kill('SIGKILL');
    await exited;
    t.true(await gone(pid), `python3 ${pid} still running`);
  });
}

test('close() ends the process; it is idempotent and a later call restarts', async (t) => {
  const { worker, store } = fixture(t);
  worker.evaluate('1', store, undefined);
  const pid = worker.pid;
  if (pid === undefined) throw new Error('no pid');
  worker.close();
  worker.close();
  t.false(worker.started);
  t.true(await gone(pid));
  t.deepEqual(worker.evaluate('2', store, undefined), { kind: 'value', value: '2', references: [] });
  t.not(worker.pid, pid);
});

test('a python3 that cannot start is a clear PythonError', (t) => {
  const worker = new PythonWorker({ python: '/nonexistent/python3', onLog: () => {} });
  t.teardown(() => worker.close());
  const store = new DataStore({ python: worker, tracking: false });
  const e = t.throws(() => worker.evaluate('1', store, undefined), { instanceOf: PythonWorkerExited });
  t.regex(e?.message ?? '', /nonexistent\/python3.*\n.*not found/s);
  t.false(worker.started);
});

test('a worker that dies mid-request is reported, and the next call starts afresh', (t) => {
  const { worker, store } = fixture(t);
  const e = t.throws(() => worker.exec(store, 'import os\nos._exit(5)', { file: 'x.bb', line: 1 }), { instanceOf: PythonWorkerExited });
  t.regex(e?.message ?? '', /exited/);
  t.false(worker.started);
  t.deepEqual(worker.evaluate('"back"', store, undefined), { kind: 'value', value: 'back', references: [] });
});
