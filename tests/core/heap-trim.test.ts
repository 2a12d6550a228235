import test from 'ava';
import { getHeapStatistics } from 'node:v8';
import { dueForCollection, TRIM_STEP, trimAfterParse, trimHeap } from '../../engine/core/heap-trim.js';

const MB = 1024 * 1024;

test('a collection is due once the heap grew more than the step past the last live size', (t) => {
  t.false(dueForCollection(100 * MB, 40 * MB, 64 * MB));
  t.false(dueForCollection(104 * MB, 40 * MB, 64 * MB));
  t.true(dueForCollection(105 * MB, 40 * MB, 64 * MB));
  // the step is added: a small heap waits as long as a big one
  t.false(dueForCollection(60 * MB, 1 * MB, 64 * MB));
});

test('trimHeap collects garbage once it is a step more than the last collection left, then waits for the next step', (t) => {
  trimHeap(0); // a collection now: what it leaves is the live size to grow from
  t.false(trimHeap(8 * MB));
  // Kept alive while made (so it reaches the old generation), then dropped: garbage only a full collection frees.
  let junk: Array<{ readonly i: number; readonly s: string }> | undefined = Array.from({ length: 400_000 }, (_, i) => ({ i, s: `item ${i}` }));
  t.is(junk.length, 400_000);
  junk = undefined;
  const before = getHeapStatistics().used_heap_size;
  t.true(trimHeap(8 * MB));
  t.true(getHeapStatistics().used_heap_size < before - 8 * MB);
  t.false(trimHeap(8 * MB));
});

test('the end of a small parse is not worth a collection: only a heap of more than one step gets one', (t) => {
  t.true(getHeapStatistics().used_heap_size < TRIM_STEP, 'this test process holds less than one step');
  t.false(trimAfterParse());
});
