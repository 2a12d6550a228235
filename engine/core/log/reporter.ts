/**
 * Reporters turn the engine's BuildEvents into output: a live view on a terminal, plain
 * BitBake-style lines elsewhere, and, with `--log-json FILE`, one JSON object per event.
 * The CLI builds one with createReporter and hands its sink to the engine.
 *
 * Times: every event `time` is epoch milliseconds (`Date.now()`, or
 * `performance.timeOrigin + performance.now()` for sub-millisecond precision; both are on the
 * same wall clock, which is all the live view's elapsed seconds need).
 */
import type { Writable } from 'node:stream';
import type { EventSink } from './events.js';
import { createJsonReporter } from './json-reporter.js';
import { createLiveReporter } from './live-reporter.js';
import { createPlainReporter } from './plain-reporter.js';

export type TextOut = (text: string) => void;

export interface Reporter {
  readonly sink: EventSink;
  /** Stops timers, clears the live view and ends the JSON stream. Safe to call twice. */
  close(): void;
}

export interface ReporterOptions {
  /** Draw the live view; false when stdout is not a terminal or with `--no-progress`. */
  readonly tty: boolean;
  /** `-q`: no NOTE lines and no closing summary; warnings and errors still show. */
  readonly quiet: boolean;
  /** `-v`: task start and end lines even in the live view. */
  readonly verbose: boolean;
  /** `--log-json FILE`: receives one JSON object per event, one per line; ended by close(). */
  readonly json?: Writable;
  /** Below-ERROR lines and the live view (BitBake prints these on stdout). */
  readonly out: TextOut;
  /** ERROR lines and the failed task's log tail (stderr). */
  readonly err: TextOut;
  /** Terminal size for the live view; default 80×24. Pass functions to follow resizes. */
  readonly columns?: number | (() => number);
  readonly rows?: number | (() => number);
  /** The clock the live view measures running tasks with, in epoch milliseconds. */
  readonly now?: () => number;
}

export interface ConsoleOptions {
  readonly quiet: boolean;
  readonly verbose: boolean;
  readonly out: TextOut;
  readonly err: TextOut;
}

export function createReporter(opts: ReporterOptions): Reporter {
  const screen = opts.tty
    ? createLiveReporter({ ...opts, columns: opts.columns ?? 80, rows: opts.rows ?? 24, now: opts.now ?? wallClock })
    : createPlainReporter(opts);
  if (opts.json === undefined) return screen;
  return combine([screen, createJsonReporter(opts.json)]);
}

/** Several reporters (or any sinks) fed the same events in order. */
export function combine(reporters: readonly Reporter[]): Reporter {
  return {
    sink: fanOut(reporters.map((r) => r.sink)),
    close: () => {
      for (const r of reporters) r.close();
    },
  };
}

export function fanOut(sinks: readonly EventSink[]): EventSink {
  return (event) => {
    for (const sink of sinks) sink(event);
  };
}

const wallClock = (): number => performance.timeOrigin + performance.now();
