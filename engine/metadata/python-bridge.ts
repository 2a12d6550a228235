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

export interface PythonHost extends InlinePython {
  /** Defines a function in `store`'s Python context (the recipe's, or the configuration's). */
  define(store: DataStore, fn: PythonFunction): void;
  /** Makes `namespace` (found under `libdir`) importable and global in `store`'s context. */
  addPyLib(store: DataStore, libdir: string, namespace: string): void;
  /** Runs statements with `d` bound to `store` (anonymous functions at finalisation). */
  exec(store: DataStore, code: string, where: SourceLocation): void;
}
