/**
 * The PythonHost the engine uses: `${@...}` goes through the TypeScript fast path when it can
 * be evaluated exactly, otherwise to the python3 worker. Definitions and anonymous code
 * always belong to the worker, which starts only when something actually needs it.
 */
import type { SourceLocation } from '../../core/errors.js';
import type { DataStore } from '../datastore.js';
import type { PythonOutcome } from '../expand.js';
import { addStats, type EventAttributes, type EventHandler, type PythonAccess, type PythonFunction, type PythonHost, type PythonStats } from '../python-bridge.js';
import { InterruptedError } from '../../core/errors.js';
import { evaluateFast, type FastFunctions } from './fast-path.js';
import { callFunction, parseFunction, runFunction, type FunctionBody } from './function-body.js';
import { pyStr } from './py-value.js';
import { NotFast } from './syntax.js';

/** How finalisation runs an anonymous function, and how `${@...}` calls a def: `NAME(d)`. */
const CALL = /^([A-Za-z_][A-Za-z0-9_]*)\(d\)$/;

export class InlinePythonHost implements PythonHost {
  readonly #worker: PythonHost;
  #fast = 0;
  #slow = 0;
  #fastRuns = 0;
  /** The texts defined under each function name (defs and anonymous functions). */
  readonly #defined = new Map<string, Set<string>>();
  /** Filter results by expression and value: filter functions are pure, as bb.filter requires. */
  readonly #filtered = new Map<string, string>();

  readonly #extra: FastFunctions | undefined;

  constructor(worker: PythonHost, extra?: FastFunctions) {
    this.#worker = worker;
    this.#extra = extra;
  }

  stats(): PythonStats {
    return addStats(this.#worker.stats(), { fast: this.#fast, fastRuns: this.#fastRuns, slow: 0, runs: 0, calls: 0, ms: 0 });
  }

  evaluate(code: string, store: DataStore, varname: string | undefined): PythonOutcome {
    try {
      const r = evaluateFast(code, store, this.#extra);
      this.#fast++;
      return { kind: 'value', value: r.value, references: r.references };
    } catch (e) {
      if (!(e instanceof NotFast)) throw e;
    }
    // `NAME(d)` of a def in the subset: its return value (such a call reads no variable by name).
    const body = this.#fastFunction(store, code);
    if (body) {
      try {
        const value = pyStr(callFunction(body, store, this.#extra));
        this.#fast++;
        return { kind: 'value', value, references: [] };
      } catch (e) {
        // As for anonymous functions: python3 runs it again and words any failure itself.
        if (e instanceof InterruptedError) throw e;
      }
    }
    this.#slow++;
    return this.#worker.evaluate(code, store, varname);
  }

  define(store: DataStore, fn: PythonFunction): void {
    const texts = this.#defined.get(fn.name);
    if (texts) texts.add(fn.text);
    else this.#defined.set(fn.name, new Set([fn.text]));
    this.#worker.define(store, fn);
  }

  addPyLib(store: DataStore, libdir: string, namespace: string): void {
    this.#worker.addPyLib(store, libdir, namespace);
  }

  exec(store: DataStore, code: string, where: SourceLocation): void {
    const body = this.#fastFunction(store, code);
    if (body) {
      try {
        runFunction(body, store, this.#extra);
        this.#fastRuns++;
        return;
      } catch (e) {
        // Python words every other failure itself: the function runs again there, from the start.
        if (e instanceof InterruptedError) throw e;
      }
    }
    this.#worker.exec(store, code, where);
  }

  /**
   * The parsed body when `code` calls a function (an anonymous function, or a def called from
   * `${@...}`) defined by exactly one text under its name, the one `store` holds, and that
   * text is in the subset function-body.ts runs. With `-e` (history kept) every write must
   * name its line as python3 reports it, so python3 runs it.
   */
  #fastFunction(store: DataStore, code: string): FunctionBody | undefined {
    const call = CALL.exec(code);
    if (!call || store.env.tracking) return undefined;
    const texts = this.#defined.get(call[1] ?? '');
    const text = texts?.size === 1 ? [...texts][0] : undefined;
    if (text === undefined || store.getVar(call[1] ?? '', false) !== text) return undefined;
    try {
      return parseFunction(text);
    } catch (e) {
      if (e instanceof NotFast) return undefined;
      throw e;
    }
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

  accessed(store: DataStore): PythonAccess {
    return this.#worker.accessed(store);
  }

  fire(store: DataStore, eventName: string, fn: string, handlers: readonly EventHandler[], attrs?: EventAttributes): void {
    if (handlers.length > 0) this.#worker.fire(store, eventName, fn, handlers, attrs);
  }
}
