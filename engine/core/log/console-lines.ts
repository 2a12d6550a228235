/**
 * The console texts of a build, worded as BitBake's knotty UI words them so that people and
 * scripts used to BitBake logs read ours the same way. Pure: events in, lines out.
 */
import { escapeControls } from '../diagnostic.js';
import type { BuildEvent } from './events.js';

export type TaskStarted = Extract<BuildEvent, { kind: 'task-started' }>;
export type TaskFinished = Extract<BuildEvent, { kind: 'task-finished' }>;
export type TaskFailed = Extract<BuildEvent, { kind: 'task-failed' }>;
export type BuildFinished = Extract<BuildEvent, { kind: 'build-finished' }>;
export type Warning = Extract<BuildEvent, { kind: 'warning' }>;

type TaskEvent = TaskStarted | TaskFinished | TaskFailed;

/**
 * BitBake names a recipe by PF (`pn-pv-pr`) in task messages. The engine may send `pf`; an
 * event without it falls back to the PN, which is still unique within a build.
 */
export function recipeLabel(e: TaskEvent): string {
  return 'pf' in e && typeof e.pf === 'string' && e.pf !== '' ? e.pf : e.pn;
}

/** The process id shown next to a running task, when the engine sends one. */
export function taskPid(e: TaskStarted): number | undefined {
  return 'pid' in e && typeof e.pid === 'number' ? e.pid : undefined;
}

/** BitBake's task string: the recipe file and the task, `FILE:do_X`. */
export function taskString(recipeFile: string, task: string): string {
  return `${recipeFile}:${task}`;
}

export function noteLine(message: string): string {
  return `NOTE: ${message}`;
}

export function runningTaskLine(e: TaskStarted): string {
  return noteLine(`Running ${e.noexec ? 'noexec ' : ''}task ${e.index} of ${e.total} (${taskString(e.recipeFile, e.task)})`);
}

export type TaskState = 'Started' | 'Succeeded' | 'Failed';

export function taskStateLine(label: string, task: string, state: TaskState): string {
  return noteLine(`recipe ${label}: task ${task}: ${state}`);
}

/** A task restored from sstate: BitBake reports its `_setscene` twin as the task that ran. */
export function restoredLine(e: TaskFinished): string {
  return taskStateLine(recipeLabel(e), `${e.task}_setscene`, 'Succeeded');
}

export function warningLine(e: Warning): string {
  const message = escapeControls(e.message);
  if (e.file === undefined) return `WARNING: ${message}`;
  return e.line === undefined || e.line <= 0 ? `WARNING: ${e.file}: ${message}` : `WARNING: ${e.file}:${e.line}: ${message}`;
}

/** A failed task: the error, the tail of its log (BitBake's "Log data follows") and where the log is. */
export function failureLines(e: TaskFailed): string[] {
  const lines = [`ERROR: Task (${taskString(e.recipeFile, e.task)}) failed with exit code '${e.exitCode}'`];
  if (e.logTail.length > 0) lines.push('Log data follows:', ...e.logTail.map((l) => `| ${escapeControls(l)}`));
  if (e.logFile !== '') lines.push(`ERROR: Logfile of failure stored in: ${e.logFile}`);
  return lines;
}

/** A task stopped by Ctrl-C or SIGTERM: not an error of its own, so a note. */
export function interruptedLine(e: TaskFailed): string {
  const log = e.logFile !== '' ? ` (log: ${e.logFile})` : '';
  return noteLine(`Task (${taskString(e.recipeFile, e.task)}) was interrupted${log}`);
}

export function pluralise(n: number, one: string, many: string): string {
  return (n === 1 ? one : many).replace('%d', String(n));
}

/** knotty's elapsed-time format: `3s`, `2m5s`, `1h0m12s`. */
export function elapsed(seconds: number): string {
  const total = Math.max(0, Math.floor(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

/** What the end of a build needs to know about the failures it saw on the way. */
export interface FailureRecord {
  readonly id: string;
  readonly taskString: string;
  readonly logFile: string;
}

export interface SummaryInput {
  readonly finished: BuildFinished;
  /** Failures (and interruptions) by task id, as seen in task-failed events. */
  readonly failures: ReadonlyMap<string, FailureRecord>;
  readonly warnings: number;
  readonly errors: number;
}

/** `NOTE: Tasks Summary: ...`, as runqueue words it; interrupted tasks count as failed there too. */
export function tasksSummaryLine(e: BuildFinished): string {
  const skipped = e.current + e.restored;
  const failed = e.failed.length + e.interrupted.length;
  const tail = failed === 0 ? 'all succeeded.' : `${failed} failed.`;
  return noteLine(`Tasks Summary: Attempted ${e.attempted} tasks of which ${skipped} didn't need to be rerun and ${tail}`);
}

/**
 * knotty's closing block: the failed tasks with their logs, the interrupted ones, the counts
 * of warnings and errors. Starts with an empty line, as knotty's does; empty when all is well.
 */
export function summaryBlock(input: SummaryInput): string[] {
  const { finished, failures } = input;
  const lines: string[] = [];
  const name = (id: string): FailureRecord => failures.get(id) ?? { id, taskString: id, logFile: '' };
  if (finished.failed.length > 0) {
    lines.push(pluralise(finished.failed.length, 'Summary: %d task failed:', 'Summary: %d tasks failed:'));
    for (const id of finished.failed) {
      const f = name(id);
      lines.push(`  ${f.taskString}`);
      if (f.logFile !== '') lines.push(`    log: ${f.logFile}`);
    }
  }
  if (finished.interrupted.length > 0) {
    lines.push(pluralise(finished.interrupted.length, 'Summary: %d task was interrupted:', 'Summary: %d tasks were interrupted:'));
    for (const id of finished.interrupted) lines.push(`  ${name(id).taskString}`);
  }
  if (input.warnings > 0) lines.push(pluralise(input.warnings, 'Summary: There was %d WARNING message.', 'Summary: There were %d WARNING messages.'));
  if (input.errors > 0) lines.push(pluralise(input.errors, 'Summary: There was %d ERROR message, returning a non-zero exit code.', 'Summary: There were %d ERROR messages, returning a non-zero exit code.'));
  return lines.length > 0 ? ['', ...lines] : [];
}

export const INTERRUPTED_LINE = 'Execution was interrupted, returning a non-zero exit code.';
