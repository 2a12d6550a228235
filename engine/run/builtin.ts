/**
 * Python tasks that tsbake runs in TypeScript (ARCHITECTURE.md §3.9): a python task whose name
 * has a builtin runs it in-process instead of a python3 process. The composition root
 * (cli/builtins.ts) maps task names to domain functions, so `run` depends on none of them.
 */
import type { TaskNode } from '../graph/task-graph.js';
import type { DataStore } from '../metadata/datastore.js';

export interface BuiltinContext {
  /** The recipe's datastore (parsed once per build). */
  readonly store: DataStore;
  readonly node: TaskNode;
  /** The task's hash in this build (tsbake has no hash equivalence, so also its unihash): BB_TASKHASH. */
  readonly taskhash: string;
  /** The task's working directory: the last `[dirs]` entry, created. */
  readonly cwd: string;
  /** `${T}/log.do_X.<pid>`; `log` appends a line to it. */
  readonly logFile: string;
  readonly log: (line: string) => void;
  /** A note the user should see: it goes to the task log and is shown by the build as well (bb.note). */
  readonly note: (message: string) => void;
  /** A warning the user should see: it goes to the task log and is shown by the build as well. */
  readonly warn: (message: string) => void;
  /** Reports how far the task has got, 0-100 (the live view shows it). */
  readonly progress: (percent: number) => void;
  readonly signal: AbortSignal;
  /** The clean environment tasks start from, for the host tools a builtin runs. */
  readonly env: Readonly<Record<string, string>>;
}

/** Does the task's work; throws (a TsbakeError, ideally with file:line) to fail it. */
export type TaskBuiltin = (ctx: BuiltinContext) => Promise<void>;

/** Task name (`do_package`) → its builtin. */
export type TaskBuiltins = ReadonlyMap<string, TaskBuiltin>;
