/**
 * The watch thread of interrupt.ts. Node gives worker threads no `process.on(signal)`, so it
 * uses the signal watcher binding directly: libuv delivers a signal to every event loop that
 * watches it, and this thread's loop is never blocked. Its handles stay referenced (the main
 * thread unrefs the thread itself, so it never keeps tsbake alive).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { workerData } from 'node:worker_threads';
import { Slot, type WatchInput } from './interrupt.js';

const GRACE_MS = 2000;
const input = workerData as WatchInput;

interface SignalWatcher {
  onsignal: (signum: number) => void;
  start(signum: number): number;
}

/** The signal watcher class of Node's internal binding, or undefined where it is missing. */
function signalWatcher(): (new () => SignalWatcher) | undefined {
  process.noDeprecation = true;
  const binding: unknown = Reflect.get(process, 'binding');
  if (typeof binding !== 'function') return undefined;
  try {
    const wrap: unknown = Reflect.apply(binding, process, ['signal_wrap']);
    const ctor: unknown = typeof wrap === 'object' && wrap !== null ? Reflect.get(wrap, 'Signal') : undefined;
    return typeof ctor === 'function' ? (ctor as new () => SignalWatcher) : undefined;
  } catch {
    return undefined;
  }
}

/** This process's children whose command line contains the marker: their process group ids. */
function blockingGroups(): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== process.pid) continue;
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(input.marker)) out.push(Number(fields[2]));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function killGroups(groups: readonly number[], signal: NodeJS.Signals): void {
  for (const g of groups) {
    try {
      process.kill(-g, signal);
    } catch {
      // already gone
    }
  }
}

let signals = 0;
/**
 * Every group a signal was sent to. The grace-period SIGKILL goes to these too: the SIGTERM
 * ends the worker's shell, so a python3 that ignores SIGTERM is no longer our child, but its
 * group lives on.
 */
const signalled = new Set<number>();
function onSignal(signum: number): void {
  signals++;
  if (signals === 1) Atomics.store(input.state, Slot.Signal, signum);
  for (const g of blockingGroups()) signalled.add(g);
  killGroups([...signalled], signals === 1 ? 'SIGTERM' : 'SIGKILL');
  if (signals === 1) {
    setTimeout(() => {
      for (const g of blockingGroups()) signalled.add(g);
      killGroups([...signalled], 'SIGKILL');
    }, GRACE_MS).unref();
  }
}

try {
  const Watcher = signalWatcher();
  if (Watcher) {
    for (const signum of [2, 15]) {
      const w = new Watcher();
      w.onsignal = onSignal;
      w.start(signum);
    }
  }
} finally {
  // Listening (or, without a signal watcher, as ready as it will ever be): the main thread goes on.
  Atomics.store(input.state, Slot.Ready, 1);
  Atomics.notify(input.state, Slot.Ready);
}

setInterval(() => {
  const group = Atomics.load(input.state, Slot.WaitGroup);
  const limit = Atomics.load(input.state, Slot.Limit);
  if (group === 0 || limit === 0) return;
  const waited = Math.floor((Date.now() - input.epoch) / 1000) - Atomics.load(input.state, Slot.WaitSince);
  if (waited < limit) return;
  Atomics.store(input.state, Slot.TimedOut, group);
  killGroups([group], 'SIGKILL');
}, 250);
