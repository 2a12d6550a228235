import test from 'ava';
import { once } from 'node:events';
import { WorkerPool } from '../../engine/core/worker-pool.js';

// any worker module will do: with a role it does not know, it starts and serves nothing
const url = new URL('../../engine/package/split/md5-worker.js', import.meta.url);
const role = 'tsbake-test-nothing';

test('a released worker is handed out again by the next acquire; one that exits while idle is forgotten', async (t) => {
  const pool = new WorkerPool(url, role);
  const first = pool.acquire();
  pool.release(first);
  t.is(pool.acquire(), first, 'the idle worker is reused');
  pool.release(first);
  const exited = once(first, 'exit');
  await first.terminate();
  await exited;
  const second = pool.acquire();
  t.not(second, first, 'a worker that exited is not handed out');
  await second.terminate();
});
