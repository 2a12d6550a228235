/**
 * Keeps a long parse's heap near what it actually holds. V8 lets an old generation grow to
 * up to four times its live size before collecting it in full; while a parse accumulates its
 * results (oe-core: the main thread ends holding ~100 MB) that lets hundreds of MB of
 * garbage become resident memory. A full collection whenever the heap has grown a fixed step
 * past what the last one left keeps it within that step, and one at the end of a parse sheds
 * the parse's garbage before the parse cache is written.
 *
 * The step is added, not multiplied: a small heap is never collected more often than V8
 * would collect it anyway, and there is no limit that a big build could run into.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { addCount, timed } from './timings.js';

/**
 * How far past the last collection's live size the heap may grow (bytes). Each collection
 * costs its thread 100 to 200 ms on oe-core, whose main thread makes 1 to 10 of them.
 */
export const TRIM_STEP = 64 * 1024 * 1024;

/** Whether a heap of `used` bytes, `live` bytes after the last collection, is due one. */
export const dueForCollection = (used: number, live: number, step: number): boolean => used > live + step;

let collect: (() => void) | undefined;
let live = 0;

/** V8's `gc`, made reachable at run time: a context created after `--expose-gc` has it. */
function collector(): () => void {
  if (!collect) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  return collect;
}

/** Collects this thread's heap in full when it is due (`step` 0: now); returns whether it did. */
export function trimHeap(step = TRIM_STEP): boolean {
  if (!dueForCollection(getHeapStatistics().used_heap_size, live, step)) return false;
  timed('heap-trim', collector());
  addCount('heap-trims', 1);
  live = getHeapStatistics().used_heap_size;
  return true;
}

/**
 * The collection at the end of a parse, before its results are saved: only for a heap of more
 * than one step in all, since a small parse's garbage costs a collection more than it frees.
 */
export const trimAfterParse = (): boolean => getHeapStatistics().used_heap_size > TRIM_STEP && trimHeap(0);
