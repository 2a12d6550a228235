/**
 * The terminal view, after knotty's: a status area at the bottom of the screen (progress bar
 * and running tasks) that is erased and redrawn in place, with notes, warnings and errors
 * printed above it. Redraws at most ten times a second; a one-second tick keeps the elapsed
 * times moving while tasks run. Both timers are unref'd and stop on close().
 */
import { BuildTally } from './build-tally.js';
import type { BuildEvent } from './events.js';
import { linesFor } from './plain-reporter.js';
import type { ConsoleOptions, Reporter } from './reporter.js';
import { statusLines } from './status-area.js';

export interface LiveOptions extends ConsoleOptions {
  /** A function when the terminal can be resized while the build runs. */
  readonly columns: number | (() => number);
  readonly rows: number | (() => number);
  /** Epoch milliseconds, for the running tasks' elapsed times. */
  readonly now: () => number;
}

const MIN_REDRAW_MS = 100;
const TICK_MS = 1000;
/** Cursor up `n` lines (the cursor is at column 0 below the area), then erase to the end of the screen. */
const eraseLines = (n: number): string => (n > 0 ? `\x1b[${n}A\x1b[J` : '');

class LiveReporter {
  readonly #opts: LiveOptions;
  readonly #tally = new BuildTally();
  /** Lines of status area on screen now. */
  #shown = 0;
  /** performance.now() of the last draw: rate limiting uses the process's own clock, not the injected one. */
  #lastDraw = -Infinity;
  #pending: NodeJS.Timeout | undefined;
  #ticker: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(opts: LiveOptions) {
    this.#opts = opts;
  }

  readonly sink = (e: BuildEvent): void => {
    if (this.#closed) return;
    this.#tally.observe(e);
    const lines = linesFor(e, this.#tally, { quiet: this.#opts.quiet, taskLines: this.#opts.verbose });
    if (lines.length > 0) {
      this.#erase();
      for (const line of lines) (line.stream === 'out' ? this.#opts.out : this.#opts.err)(line.text + '\n');
    }
    this.#request();
    this.#keepTicking();
  };

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#pending);
    clearInterval(this.#ticker);
    this.#pending = undefined;
    this.#ticker = undefined;
    this.#erase();
  }

  #erase(): void {
    if (this.#shown === 0) return;
    this.#opts.out(eraseLines(this.#shown));
    this.#shown = 0;
  }

  /** Draws now if the last draw is old enough, else once when it is. */
  #request(): void {
    if (this.#pending !== undefined) return;
    const wait = this.#lastDraw + MIN_REDRAW_MS - performance.now();
    if (wait <= 0) {
      this.#draw();
      return;
    }
    this.#pending = setTimeout(() => {
      this.#pending = undefined;
      this.#draw();
    }, wait);
    this.#pending.unref();
  }

  #draw(): void {
    if (this.#closed) return;
    this.#lastDraw = performance.now();
    const lines = statusLines(this.#tally, {
      quiet: this.#opts.quiet,
      columns: sizeOf(this.#opts.columns, 80),
      rows: sizeOf(this.#opts.rows, 24),
      now: this.#opts.now(),
    });
    // One write, so the terminal never shows the area half erased.
    const text = eraseLines(this.#shown) + lines.map((l) => l + '\n').join('');
    if (text !== '') this.#opts.out(text);
    this.#shown = lines.length;
  }

  #keepTicking(): void {
    const busy = this.#tally.running.size > 0;
    if (busy && this.#ticker === undefined) {
      this.#ticker = setInterval(() => this.#request(), TICK_MS);
      this.#ticker.unref();
    } else if (!busy && this.#ticker !== undefined) {
      clearInterval(this.#ticker);
      this.#ticker = undefined;
    }
  }
}

function sizeOf(v: number | (() => number), fallback: number): number {
  const n = typeof v === 'function' ? v() : v;
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

export function createLiveReporter(opts: LiveOptions): Reporter {
  const live = new LiveReporter(opts);
  return { sink: live.sink, close: () => live.close() };
}
