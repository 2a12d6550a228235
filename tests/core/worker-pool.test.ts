import test from 'ava';
import { Worker } from 'node:worker_threads';
import { WorkerPool } from '../../engine/core/worker-pool.js';

// any worker module will do: with a role it does not know, it starts and serves nothing
const url = new URL('../../engine/package/split/md5-worker.js', import.meta.url);
const role = 'tsbake-test-nothing';

test('prestart starts a worker that the next acquire hands out, and no second one while it is idle', async (t) => {
  const pool = new WorkerPool(url, role);
  pool.prestart();
  pool.prestart();
  // thread ids rise in the order threads are made: the probe tells which came before it
  const probe = new Worker(url, { workerData: { role } });
  const first = pool.acquire();
  const second = pool.acquire();
  t.true(first.threadId < probe.threadId, 'the prestarted worker existed before the probe');
  t.true(second.threadId > probe.threadId, 'only one worker was prestarted');
  await Promise.all([first.terminate(), second.terminate(), probe.terminate()]);
});
