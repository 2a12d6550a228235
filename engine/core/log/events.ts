/**
 * What the engine reports while it builds. The engine emits typed events; reporters (a live
 * terminal view, plain lines, JSON) render them; only the CLI prints.
 */

/** How a task ended up: run now, restored from sstate, already current, or nothing to run. */
export type TaskOutcome = 'ran' | 'restored' | 'current' | 'noexec';

export type BuildEvent =
  | { readonly kind: 'parse-progress'; readonly done: number; readonly total: number }
  | { readonly kind: 'note'; readonly message: string }
  | { readonly kind: 'warning'; readonly message: string; readonly file?: string; readonly line?: number }
  | { readonly kind: 'plan'; readonly total: number; readonly current: number; readonly toRun: number }
  | {
      readonly kind: 'task-started';
      readonly id: string;
      readonly recipeFile: string;
      readonly task: string;
      readonly pn: string;
      /** PN-PV-PR, for messages and buildstats directories. */
      readonly pf?: string;
      /** The task's process id, when known at start. */
      readonly pid?: number;
      /** A task with nothing to execute ([noexec]): BitBake reports "Running noexec task". */
      readonly noexec?: boolean;
      readonly index: number;
      readonly total: number;
      readonly time: number;
    }
  /** How far a running task has got (a large download), for the live view. */
  | { readonly kind: 'task-progress'; readonly id: string; readonly percent: number }
  | {
      readonly kind: 'task-finished';
      readonly id: string;
      readonly task: string;
      readonly pn: string;
      readonly pf?: string;
      readonly outcome: TaskOutcome;
      readonly time: number;
      /** Seconds of CPU (user + system) the task's processes used. */
      readonly cpu: number;
    }
  | {
      readonly kind: 'task-failed';
      readonly id: string;
      readonly recipeFile: string;
      readonly task: string;
      readonly pn: string;
      readonly pf?: string;
      readonly exitCode: number;
      readonly logFile: string;
      /** The last lines of the task's log. */
      readonly logTail: readonly string[];
      readonly time: number;
      readonly cpu: number;
      readonly interrupted: boolean;
    }
  | { readonly kind: 'build-finished'; readonly attempted: number; readonly current: number; readonly restored: number; readonly failed: readonly string[]; readonly interrupted: readonly string[] };

export type EventSink = (event: BuildEvent) => void;
