/**
 * Ctrl-C must work even while the main thread is blocked in a synchronous read of a child's
 * pipe (the python3 worker), when no JavaScript signal handler can run. A small watch thread
 * has a signal watcher of its own: on SIGINT or SIGTERM it records the signal in shared
 * memory and stops the blocking children (SIGTERM to their process groups, SIGKILL after the
 * grace period, at once on a second signal). The blocked read then ends, and the code that
 * waited sees `interruptSignal()` and unwinds with an InterruptedError.
 *
 * The same thread enforces a time limit on a wait that gets no output at all (a hung child).
 * Only the main thread has a watch; children started by other threads are found by their
 * command line (`marker`), since every thread's children are this process's children.
 */
import { isMainThread, Worker } from 'node:worker_threads';
import { InterruptedError } from './errors.js';

/** The fields of the shared state, as indexes into an Int32Array. */
export const Slot = {
  /** The signal number caught (0: none). */
  Signal: 0,
  /** The process group the main thread is waiting on (0: not waiting). */
  WaitGroup: 1,
  /** When the wait began or last saw output, in seconds since the watch started. */
  WaitSince: 2,
  /** The process group the watch stopped because its wait timed out. */
  TimedOut: 3,
  /** The time limit of the current wait, in seconds (0: none). */
  Limit: 4,
  /** 1 once the watch thread listens for signals. */
  Ready: 5,
  Count: 6,
} as const;

export interface WatchInput {
  readonly state: Int32Array;
  /** Children whose command line contains this string are stopped on a signal. */
  readonly marker: string;
  readonly epoch: number;
}

const SIGNALS: Readonly<Record<number, NodeJS.Signals>> = { 2: 'SIGINT', 15: 'SIGTERM' };

let state: Int32Array | undefined;
let epoch = 0;

/**
 * How long the first use waits for the watch thread to listen. It normally takes milliseconds,
 * but on a machine loaded many times over starting a thread can take seconds, and Python that
 * started before the watch listens would make a Ctrl-C wait for it: the limit only guards
 * against a thread that never starts (the thread says it is ready even when it fails).
 */
const READY_TIMEOUT_MS = 120_000;

/**
 * Starts the watch thread (once, main thread only) without waiting for it: the thread boots
 * while tsbake goes on (a parse that needs no Python never waits for it). `marker` names the
 * blocking children.
 */
export function startInterruptWatch(marker: string): void {
  if (state !== undefined || !isMainThread) return;
  state = new Int32Array(new SharedArrayBuffer(Slot.Count * 4));
  epoch = Date.now();
  const input: WatchInput = { state, marker, epoch };
  const worker = new Worker(new URL('./interrupt-watch.js', import.meta.url), { workerData: input });
  worker.on('error', () => {}); // without its watch, tsbake behaves as before: Ctrl-C waits for the child
  worker.unref();
}

/** The word the watch sets once it listens, for other threads to wait on (`adoptWatchReady`). */
export function watchReadyWord(): Int32Array | undefined {
  return state ? new Int32Array(state.buffer, Slot.Ready * 4, 1) : undefined;
}

/** In a worker thread: the main thread's watch, whose readiness watchInterrupts waits for. */
let adoptedReady: Int32Array | undefined;
export function adoptWatchReady(word: Int32Array | undefined): void {
  adoptedReady = word;
}

/**
 * Starts the watch thread if needed and waits until it listens, so that a signal sent once
 * Python runs is never missed: every thread calls this before it starts a python3 worker. In
 * a worker thread it waits for the main thread's watch (when it was handed one).
 */
export function watchInterrupts(marker: string): void {
  if (!isMainThread) {
    if (adoptedReady) Atomics.wait(adoptedReady, 0, 0, READY_TIMEOUT_MS);
    return;
  }
  startInterruptWatch(marker);
  if (state) Atomics.wait(state, Slot.Ready, 0, READY_TIMEOUT_MS);
}

/** The signal that interrupted tsbake, if one did. */
export function interruptSignal(): NodeJS.Signals | undefined {
  const n = state ? Atomics.load(state, Slot.Signal) : 0;
  return SIGNALS[n];
}

export function throwIfInterrupted(): void {
  const sig = interruptSignal();
  if (sig) throw new InterruptedError(sig);
}

const now = (): number => Math.floor((Date.now() - epoch) / 1000);

/**
 * The main thread is about to block on `group`'s output (or just got some: the clock
 * restarts); after `limitSeconds` (0: never) without output the watch stops the group.
 */
export function waitingOn(group: number, limitSeconds: number): void {
  if (!state) return;
  Atomics.store(state, Slot.WaitSince, now());
  Atomics.store(state, Slot.Limit, limitSeconds);
  Atomics.store(state, Slot.WaitGroup, group);
}

export function doneWaiting(): void {
  if (state) Atomics.store(state, Slot.WaitGroup, 0);
}

/** The time limit in seconds, when the watch stopped `group` for exceeding it. */
export function timedOut(group: number): number | undefined {
  if (!state || Atomics.load(state, Slot.TimedOut) !== group) return undefined;
  Atomics.store(state, Slot.TimedOut, 0);
  return Atomics.load(state, Slot.Limit);
}
