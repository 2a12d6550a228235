/**
 * What a console reporter must remember between events: the tasks running now (for the live
 * view), the failures (for the closing summary) and the warning and error counts.
 */
import { recipeLabel, taskPid, taskString, type FailureRecord } from './console-lines.js';
import type { BuildEvent } from './events.js';

export interface RunningTask {
  readonly label: string;
  readonly task: string;
  /** Epoch milliseconds, from the task-started event. */
  readonly start: number;
  readonly pid: number | undefined;
}

export class BuildTally {
  /** In start order (Map keeps insertion order), which is the order knotty lists them in. */
  readonly running = new Map<string, RunningTask>();
  readonly failures = new Map<string, FailureRecord>();
  /** The last percentage each running task reported (task-progress). */
  readonly progress = new Map<string, number>();
  warnings = 0;
  /** Tasks that failed on their own (interrupted ones are not errors). */
  errors = 0;
  /** The highest task number started, and the number of tasks the build will run. */
  started = 0;
  total = 0;
  /** Tasks that ran to an end (succeeded or failed), for the progress bar. */
  ended = 0;
  parse: { readonly done: number; readonly total: number } | undefined;
  finished = false;

  observe(e: BuildEvent): void {
    switch (e.kind) {
      case 'parse-progress':
        this.parse = e.done < e.total ? { done: e.done, total: e.total } : undefined;
        return;
      case 'warning':
        this.warnings++;
        return;
      case 'plan':
        this.total = e.toRun;
        return;
      case 'task-started':
        this.parse = undefined;
        this.started = Math.max(this.started, e.index);
        this.total = e.total;
        this.running.set(e.id, { label: recipeLabel(e), task: e.task, start: e.time, pid: taskPid(e) });
        return;
      case 'task-progress':
        if (this.running.has(e.id)) this.progress.set(e.id, e.percent);
        return;
      case 'task-finished':
        this.progress.delete(e.id);
        if (this.running.delete(e.id)) this.ended++;
        return;
      case 'task-failed':
        this.progress.delete(e.id);
        if (this.running.delete(e.id)) this.ended++;
        if (!e.interrupted) this.errors++;
        this.failures.set(e.id, { id: e.id, taskString: taskString(e.recipeFile, e.task), logFile: e.logFile });
        return;
      case 'build-finished':
        this.finished = true;
        this.running.clear();
        this.progress.clear();
        return;
      case 'note':
        return;
      default: {
        const never: never = e;
        throw new Error(`unreachable: ${String(never)}`);
      }
    }
  }
}
