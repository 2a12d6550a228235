/**
 * One line per event, as BitBake prints when its output is not a terminal: what a CI log or
 * `tsbake ... | tee` shows. The live view prints the same lines above its status area.
 */
import { BuildTally } from './build-tally.js';
import {
  failureLines,
  INTERRUPTED_LINE,
  interruptedLine,
  noteLine,
  recipeLabel,
  restoredLine,
  runningTaskLine,
  summaryBlock,
  taskStateLine,
  tasksSummaryLine,
  warningLine,
} from './console-lines.js';
import type { BuildEvent } from './events.js';
import type { ConsoleOptions, Reporter } from './reporter.js';

export interface Line {
  readonly stream: 'out' | 'err';
  readonly text: string;
}

export interface LineOptions {
  readonly quiet: boolean;
  /** Print task start/end lines (plain output always does; the live view only with -v). */
  readonly taskLines: boolean;
}

/** The lines an event prints, in order. `tally` must already have observed the event. */
export function linesFor(e: BuildEvent, tally: BuildTally, opts: LineOptions): Line[] {
  const out = (text: string): Line => ({ stream: 'out', text });
  const err = (text: string): Line => ({ stream: 'err', text });
  const notes = !opts.quiet;
  const taskNotes = notes && opts.taskLines;
  switch (e.kind) {
    case 'parse-progress':
    case 'plan':
    case 'task-progress':
      return [];
    case 'note':
      return notes ? [out(noteLine(e.message))] : [];
    case 'warning':
      return [out(warningLine(e))];
    case 'task-started':
      if (!taskNotes) return [];
      // A noexec task runs nothing: BitBake numbers it but reports no Started/Succeeded.
      return e.noexec ? [out(runningTaskLine(e))] : [out(runningTaskLine(e)), out(taskStateLine(recipeLabel(e), e.task, 'Started'))];
    case 'task-finished':
      if (!taskNotes) return [];
      if (e.outcome === 'ran') return [out(taskStateLine(recipeLabel(e), e.task, 'Succeeded'))];
      // Current and noexec tasks did no work worth a line; BitBake is silent about them too.
      return e.outcome === 'restored' ? [out(restoredLine(e))] : [];
    case 'task-failed':
      if (e.interrupted) return notes ? [out(interruptedLine(e))] : [];
      return failureLines(e).map(err);
    case 'build-finished': {
      const lines: Line[] = [];
      if (notes) {
        lines.push(out(tasksSummaryLine(e)));
        const block = summaryBlock({ finished: e, failures: tally.failures, warnings: tally.warnings, errors: tally.errors });
        lines.push(...block.map(out));
      }
      if (e.interrupted.length > 0) lines.push(out(INTERRUPTED_LINE));
      return lines;
    }
    default: {
      const never: never = e;
      throw new Error(`unreachable: ${String(never)}`);
    }
  }
}

export function createPlainReporter(opts: ConsoleOptions): Reporter {
  const tally = new BuildTally();
  return {
    sink: (e) => {
      tally.observe(e);
      for (const line of linesFor(e, tally, { quiet: opts.quiet, taskLines: true })) {
        (line.stream === 'out' ? opts.out : opts.err)(line.text + '\n');
      }
    },
    close: () => {},
  };
}
