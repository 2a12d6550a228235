/**
 * The live view's status area, as lines: the parse bar while parsing, then knotty's
 * `Running tasks (N of M)  P% |####    |` bar and one line per running task with its elapsed
 * time. Pure: the live reporter decides when to draw it.
 */
import type { BuildTally } from './build-tally.js';
import { elapsed } from './console-lines.js';

export interface StatusOptions {
  /** Only the bar, no task lines (`-q`, as knotty does). */
  readonly quiet: boolean;
  readonly columns: number;
  readonly rows: number;
  /** Epoch milliseconds. */
  readonly now: number;
}

/** `label  P% |###   |`, the bar filling the rest of the line. */
export function progressLine(label: string, done: number, total: number, columns: number): string {
  const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const head = `${label} ${String(Math.floor(fraction * 100)).padStart(3)}% |`;
  const width = Math.max(0, columns - 1 - head.length - 1);
  const filled = Math.round(width * fraction);
  return `${head}${'#'.repeat(filled)}${' '.repeat(width - filled)}|`;
}

export function statusLines(tally: BuildTally, opts: StatusOptions): string[] {
  if (tally.finished) return [];
  const lines: string[] = [];
  if (tally.parse !== undefined) {
    lines.push(progressLine('Parsing recipes:', tally.parse.done, tally.parse.total, opts.columns));
  } else if (tally.running.size > 0 || (tally.total > 0 && tally.ended < tally.total)) {
    lines.push(progressLine(`Running tasks (${tally.started} of ${tally.total})`, tally.ended, tally.total, opts.columns));
    if (!opts.quiet) {
      // One row stays free for the cursor, so the area never scrolls the screen.
      const room = Math.max(0, opts.rows - 1 - lines.length);
      let n = 0;
      for (const [id, t] of tally.running) {
        if (n >= room) break;
        const pid = t.pid === undefined ? '' : ` (pid ${t.pid})`;
        const line = `${n}: ${t.label} ${t.task} - ${elapsed((opts.now - t.start) / 1000)}${pid}`;
        const percent = tally.progress.get(id);
        // As knotty draws a task's own progress: a bar after the task line.
        lines.push(percent === undefined ? line : progressLine(line, percent, 100, opts.columns));
        n++;
      }
    }
  }
  // A line as wide as the terminal would wrap, and the area's height would be wrong when erased.
  return lines.map((l) => (l.length >= opts.columns ? l.slice(0, Math.max(0, opts.columns - 1)) : l));
}
