/**
 * The PythonHost the engine uses: `${@...}` goes through the TypeScript fast path when it can
 * be evaluated exactly, otherwise to the python3 worker. Definitions and anonymous code
 * always belong to the worker, which starts only when something actually needs it.
 */
import type { SourceLocation } from '../../core/errors.js';
import type { DataStore } from '../datastore.js';
import type { PythonOutcome } from '../expand.js';
import { addStats, type EventAttributes, type EventHandler, type PythonFunction, type PythonHost, type PythonStats } from '../python-bridge.js';
import { evaluateFast, type FastFunctions } from './fast-path.js';
import { NotFast } from './syntax.js';

export class InlinePythonHost implements PythonHost {
  readonly #worker: PythonHost;
  #fast = 0;
  #slow = 0;
  /** Filter results by expression and value: filter functions are pure, as bb.filter requires. */
  readonly #filtered = new Map<string, string>();

  readonly #extra: FastFunctions | undefined;

  constructor(worker: PythonHost, extra?: FastFunctions) {
    this.#worker = worker;
    this.#extra = extra;
  }

  stats(): PythonStats {
    return addStats(this.#worker.stats(), { fast: this.#fast, slow: 0, runs: 0, calls: 0, ms: 0 });
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

  filter(store: DataStore, val: string, filter: string): string {
    const key = `${filter}\0${val}`;
    let out = this.#filtered.get(key);
    if (out === undefined) {
      out = this.#worker.filter(store, val, filter);
      this.#filtered.set(key, out);
    }
    return out;
  }

  fire(store: DataStore, eventName: string, fn: string, handlers: readonly EventHandler[], attrs?: EventAttributes): void {
    if (handlers.length > 0) this.#worker.fire(store, eventName, fn, handlers, attrs);
  }
}
