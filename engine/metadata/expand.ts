/**
 * `${VAR}` and `${@python}` expansion with BitBake's exact loop: substitute every simple
 * reference, then every inline-Python expression, and repeat while anything changed.
 * Unknown references stay literally; an expression that still contains `${NAME}` is not run.
 */
import { ExpansionError, PythonError, TsbakeError } from '../core/errors.js';
import type { DataStore } from './datastore.js';
import { CONTENT } from './datastore.js';
import type { Value } from './value.js';

const VAR_RE = /\$\{[a-zA-Z0-9\-_+./~:]+\}/g;
const VAR_TEST_RE = /\$\{[a-zA-Z0-9\-_+./~:]+\}/;
const PYTHON_RE = /\$\{@(?:\{.*?\}|.)+?\}/g;

export interface Expansion {
  /** The expanded value; undefined when the variable is unset. */
  readonly value: Value | undefined;
  readonly unexpanded: Value | undefined;
  /** Variables referenced by `${}` or by `d.getVar`/`bb.utils.contains` in inline Python. */
  readonly references: ReadonlySet<string>;
  /** The removals that matched (carried from an override variant to its base). */
  readonly removes?: Set<string>;
}

export type PythonOutcome =
  | { readonly kind: 'value'; readonly value: string; readonly references: readonly string[] }
  /** The regex cut the expression inside a string literal: leave it unexpanded, as BitBake does. */
  | { readonly kind: 'unterminated' };

/** Evaluates `${@...}`: the TypeScript fast path first, the host's python3 for the rest. */
export interface InlinePython {
  evaluate(code: string, store: DataStore, varname: string | undefined): PythonOutcome;
}

/** The references of a value without `${` (shared: an Expansion's references are never changed). */
const NO_REFERENCES: ReadonlySet<string> = new Set();

export function expandText(store: DataStore, input: Value | undefined, varname: string | undefined): Expansion {
  if (typeof input !== 'string' || !input.includes('${')) return { value: input, unexpanded: input, references: NO_REFERENCES };
  const references = new Set<string>();
  let s = input;
  const varSub = (match: string): string => {
    const key = match.slice(2, -1);
    if (varname && key === varname) throw new SelfReference(varname);
    const v = store.getVarFlag(key, CONTENT);
    references.add(key);
    if (v === undefined || v === null) return match;
    if (typeof v !== 'string') throw new TypeError(`expected str instance, ${typeof v} found in \${${key}}`);
    return v;
  };
  let unterminated = false;
  const pySub = (match: string): string => {
    const code = match.slice(3, -1);
    if (VAR_TEST_RE.test(code)) return '${@' + code + '}';
    const out = store.env.python.evaluate(code, store, varname);
    if (out.kind === 'unterminated') {
      unterminated = true;
      throw UNTERMINATED;
    }
    for (const r of out.references) references.add(r);
    return out.value;
  };
  while (s.includes('${')) {
    const before = s;
    try {
      s = s.replace(VAR_RE, varSub);
      try {
        s = s.replace(PYTHON_RE, pySub);
      } catch (e) {
        if (!(unterminated && e === UNTERMINATED)) throw e;
        unterminated = false;
      }
      if (s === before) break;
    } catch (e) {
      if (e instanceof ExpansionError) {
        e.addVariable(varname);
        throw e;
      }
      if (e instanceof TsbakeError && !(e instanceof PythonError)) throw e;
      throw failure(varname, s, e);
    }
  }
  return { value: s, unexpanded: input, references };
}

class SelfReference extends Error {
  constructor(readonly variable: string) {
    super(`variable ${variable} references itself!`);
  }
}

const UNTERMINATED = Symbol('unterminated');

function failure(varname: string | undefined, expression: string, e: unknown): ExpansionError {
  const [type, text] =
    e instanceof PythonError ? [e.pythonType, e.message] : e instanceof SelfReference ? ['Exception', e.message] : e instanceof Error ? [e.name, e.message] : ['Exception', String(e)];
  const where = e instanceof PythonError ? e.where : undefined;
  const msg = varname
    ? `Failure expanding variable ${varname}, expression was ${expression} which triggered exception ${type}: ${text}`
    : `Failure expanding expression ${expression} which triggered exception ${type}: ${text}`;
  return new ExpansionError(msg, varname, where);
}
