/**
 * The PythonHost the engine uses: `${@...}` goes through the TypeScript fast path when it can
 * be evaluated exactly, otherwise to the python3 worker. Definitions and anonymous code
 * always belong to the worker, which starts only when something actually needs it.
 */
import type { SourceLocation } from '../../core/errors.js';
import type { DataStore } from '../datastore.js';
import type { PythonOutcome } from '../expand.js';
import type { EventAttributes, EventHandler, PythonFunction, PythonHost } from '../python-bridge.js';
import { evaluateFast, type FastFunctions } from './fast-path.js';
import { NotFast } from './syntax.js';

export class InlinePythonHost implements PythonHost {
  readonly #worker: PythonHost;
  #fast = 0;
  #slow = 0;

  readonly #extra: FastFunctions | undefined;

  constructor(worker: PythonHost, extra?: FastFunctions) {
    this.#worker = worker;
    this.#extra = extra;
  }

  /** How many expressions each path evaluated (for profiling output). */
  get counts(): { fast: number; slow: number } {
    return { fast: this.#fast, slow: this.#slow };
  }

  evaluate(code: string, store: DataStore, varname: string | undefined): PythonOutcome {
    try {
      const r = evaluateFast(code, store, this.#extra);
      this.#fast++;
      return { kind: 'value', value: r.value, references: r.references };
    } catch (e) {
      if (!(e instanceof NotFast)) throw e;
    }
    this.#slow++;
    return this.#worker.evaluate(code, store, varname);
  }

  define(store: DataStore, fn: PythonFunction): void {
    this.#worker.define(store, fn);
  }

  addPyLib(store: DataStore, libdir: string, namespace: string): void {
    this.#worker.addPyLib(store, libdir, namespace);
  }

  exec(store: DataStore, code: string, where: SourceLocation): void {
    this.#worker.exec(store, code, where);
  }

  fire(store: DataStore, eventName: string, fn: string, handlers: readonly EventHandler[], attrs?: EventAttributes): void {
    if (handlers.length > 0) this.#worker.fire(store, eventName, fn, handlers, attrs);
  }
}
