/**
 * What the metadata engine needs from Python: `${@...}` expressions, `def` helpers,
 * anonymous functions and `addpylib`. The TypeScript fast path answers the expressions it
 * can evaluate exactly; everything else goes to a host python3 worker.
 */
import type { SourceLocation } from '../core/errors.js';
import type { DataStore } from './datastore.js';
import type { InlinePython } from './expand.js';

/** A `def` block or an anonymous `python () {}` function, as text ready to `exec`. */
export interface PythonFunction {
  readonly name: string;
  readonly text: string;
  readonly where: SourceLocation;
}

/** An `addhandler` handler: its body runs as `def <name>(e, d):` (bb.event.register's shape). */
export interface EventHandler {
  readonly name: string;
  readonly body: string;
  /** The `[eventmask]` entries (`bb.event.RecipeParsed` ...); empty means every event. */
  readonly mask: readonly string[];
  /** `body` starts on the line after `where.line`. */
  readonly where: SourceLocation;
}

/** Extra event attributes: plain JSON (`{inherits: [...]}`, `{tasklist: [...]}`). */
export type EventAttributes = Readonly<Record<string, string | readonly string[]>>;

/** What parsing asked of Python: counts, and the wall time spent in the python3 worker. */
export interface PythonStats {
  /** `${@...}` expressions evaluated by the TypeScript fast path. */
  readonly fast: number;
  /** Anonymous functions run by the TypeScript fast path (function-body.ts). */
  readonly fastRuns: number;
  /** `${@...}` expressions evaluated by python3. */
  readonly slow: number;
  /** Other python3 requests: anonymous functions, event handlers, variable filters. */
  readonly runs: number;
  /** `d.<method>` calls python3 made back into the datastore (buffered writes included). */
  readonly calls: number;
  /** Wall time of the python3 requests, milliseconds. */
  readonly ms: number;
}

export const NO_PYTHON: PythonStats = { fast: 0, fastRuns: 0, slow: 0, runs: 0, calls: 0, ms: 0 };

export function addStats(a: PythonStats, b: PythonStats, sign = 1): PythonStats {
  return { fast: a.fast + sign * b.fast, fastRuns: a.fastRuns + sign * b.fastRuns, slow: a.slow + sign * b.slow, runs: a.runs + sign * b.runs, calls: a.calls + sign * b.calls, ms: a.ms + sign * b.ms };
}

/** What metadata Python read and listed on its own (imports included), by absolute path. */
export interface PythonAccess {
  readonly files: readonly string[];
  readonly dirs: readonly string[];
}

export interface PythonHost extends InlinePython {
  /** The totals so far (for `TSBAKE_PARSE_STATS`). */
  stats(): PythonStats;
  /** Defines a function in `store`'s Python context (the recipe's, or the configuration's). */
  define(store: DataStore, fn: PythonFunction): void;
  /** Makes `namespace` (found under `libdir`) importable and global in `store`'s context. */
  addPyLib(store: DataStore, libdir: string, namespace: string): void;
  /** Runs statements with `d` bound to `store` (anonymous functions at finalisation). */
  exec(store: DataStore, code: string, where: SourceLocation): void;
  /** Applies a variable filter (d.setVarFilter): Python expression `filter` over `val`. */
  filter(store: DataStore, val: string, filter: string): string;
  /**
   * The files and directories Python read or listed since it started, `store` being the
   * context to ask in; only the first call answers (noting then stops): the configuration
   * snapshot asks right after the configuration parse.
   */
  accessed(store: DataStore): PythonAccess;
  /** Fires a parse event (`ConfigParsed`, `RecipePreFinalise`, ...) at the handlers whose mask allows it. */
  fire(store: DataStore, eventName: string, fn: string, handlers: readonly EventHandler[], attrs?: EventAttributes): void;
}
