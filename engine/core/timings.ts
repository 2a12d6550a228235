/**
 * Where a run's time goes, for the benchmarks: with TSBAKE_TIMINGS=1 in the environment,
 * tsbake prints one `tsbake-timings:` line to stderr as it exits, with the time from process
 * start to the command's start (Node start-up and module loading) and each phase's total.
 * Disabled, a phase costs one boolean test.
 */
import { performance } from 'node:perf_hooks';

const enabled = process.env['TSBAKE_TIMINGS'] === '1';
const totals = new Map<string, number>();
const counts = new Map<string, number>();

const since = (phase: string, start: number): void => {
  totals.set(phase, (totals.get(phase) ?? 0) + performance.now() - start);
};

/** Runs `fn`, adding its duration to `phase`. */
export function timed<T>(phase: string, fn: () => T): T {
  if (!enabled) return fn();
  const start = performance.now();
  try {
    return fn();
  } finally {
    since(phase, start);
  }
}

/** Runs `fn`, adding the time until its promise settles to `phase`. */
export async function timedAsync<T>(phase: string, fn: () => Promise<T>): Promise<T> {
  if (!enabled) return fn();
  const start = performance.now();
  try {
    return await fn();
  } finally {
    since(phase, start);
  }
}

/** Adds `ms` to `phase` (a span measured elsewhere, e.g. from one event to another). */
export function addTime(phase: string, ms: number): void {
  if (enabled) totals.set(phase, (totals.get(phase) ?? 0) + ms);
}

/** Adds `n` to the counter `name` (printed after the phases, without a unit). */
export function addCount(name: string, n: number): void {
  if (enabled) counts.set(name, (counts.get(name) ?? 0) + n);
}

/** Whether timings are collected (callers skip measuring work that only feeds them). */
export function timingsEnabled(): boolean {
  return enabled;
}

/** Called once the command starts: everything before it was Node start-up and module loading. */
export function markStartup(): void {
  if (enabled) totals.set('start-up', performance.now());
}

/** `tsbake-timings: start-up 81ms parse-cache 40ms ... total 390ms cpu 420ms`, or undefined when disabled. */
export function timingsLine(): string | undefined {
  if (!enabled) return undefined;
  const parts = [...totals].map(([phase, ms]) => `${phase} ${Math.round(ms)}ms`);
  for (const [name, n] of counts) parts.push(`${name} ${n}`);
  // CPU time of every thread, which a loaded machine stretches far less than the wall times.
  const cpu = process.cpuUsage();
  return `tsbake-timings: ${parts.join(' ')} total ${Math.round(performance.now())}ms cpu ${Math.round((cpu.user + cpu.system) / 1000)}ms`;
}
