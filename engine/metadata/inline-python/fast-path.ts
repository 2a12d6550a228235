/**
 * Evaluates `${@...}` expressions in TypeScript when they stay inside the modelled subset:
 * literals, operators, conditionals, str methods, `d.getVar`, `bb.utils.contains` and
 * friends, `bb.parse.vars_from_file`, `os.path`. Everything else throws NotFast and goes to
 * the python3 worker, so results are always Python's.
 */
import type { DataStore } from '../datastore.js';
import { pySplit } from '../pystr.js';
import type { Value } from '../value.js';
import { callStrMethod, formatPercent, hasStrMethod } from './str-methods.js';
import { NotFast, parseExpression, staticReferences, type CmpOp, type Expr } from './syntax.js';
import { asInt, checkInt, isRef, isSeq, iterate, list, pyCompare, pyEquals, pyRepr, pyStr, truthy, tuple, type PyRef, type PySeq, type PyVal } from './py-value.js';

const ref = (path: string, self?: PyVal): PyRef => (self === undefined ? { kind: 'ref', path } : { kind: 'ref', path, self });

/** Names the fast path resolves itself; any other name may be a def, a module or a variable. */
const GLOBALS: Readonly<Record<string, PyRef>> = {
  d: ref('d'),
  bb: ref('bb'),
  os: ref('os'),
  len: ref('len'),
  str: ref('str'),
  int: ref('int'),
  bool: ref('bool'),
  sorted: ref('sorted'),
  list: ref('list'),
  tuple: ref('tuple'),
  repr: ref('repr'),
  min: ref('min'),
  max: ref('max'),
};
const MODULES = new Set(['bb', 'bb.utils', 'bb.parse', 'bb.data', 'os', 'os.path', 'd']);
const FUNCTIONS = new Set([
  'd.getVar',
  'd.getVarFlag',
  'd.expand',
  'bb.utils.contains',
  'bb.utils.contains_any',
  'bb.utils.filter',
  'bb.utils.to_boolean',
  'bb.parse.vars_from_file',
  'os.path.basename',
  'os.path.dirname',
  'os.path.join',
  'os.path.normpath',
  'os.path.splitext',
]);

/** Callables that give the same result for a generator as for a list of its items. */
const GENERATOR_TAKERS: ReadonlySet<string> = new Set(['str.join', 'list', 'tuple', 'sorted', 'min', 'max']);

/**
 * Library functions the composition root adds, by dotted name, each called as `f(d)` with
 * the datastore (`bb.fetch.get_checksum_file_list` is the fetcher's): the metadata layer
 * cannot import the modules that implement them.
 */
export type FastFunctions = ReadonlyMap<string, (store: DataStore) => string>;

const NO_EXTRA: FastFunctions = new Map();

export interface FastResult {
  readonly value: string;
  readonly references: readonly string[];
}

/** The datastore writes a function body may make (never an inline `${@...}` expression), with their arity. */
const WRITES: ReadonlyMap<string, number> = new Map([
  ['d.setVar', 2],
  ['d.setVarFlag', 3],
  ['d.appendVar', 2],
  ['d.prependVar', 2],
  ['d.appendVarFlag', 3],
  ['d.prependVarFlag', 3],
  ['d.delVar', 1],
  ['d.delVarFlag', 2],
]);

/** What a function body adds to the expression evaluator (function-body.ts). */
export interface FunctionScope {
  /** Every name the function assigns: local throughout it (Python's rule), unbound until assigned. */
  readonly assigned: ReadonlySet<string>;
  readonly locals: Map<string, PyVal>;
  /** Each datastore write made, as an operation that can be made again on another store. */
  readonly writes: Array<(store: DataStore) => void>;
  /** Writes are NotFast (a def called from `${@...}` runs on the store itself, not on a copy). */
  readonly readOnly?: boolean;
}

const refsCache = new WeakMap<Expr, readonly string[]>();

/** Evaluates `code` against `store`, or throws NotFast. */
export function evaluateFast(code: string, store: DataStore, extra: FastFunctions = NO_EXTRA): FastResult {
  const expr = parseExpression(code);
  let refs = refsCache.get(expr);
  if (!refs) {
    refs = [...staticReferences(expr)];
    refsCache.set(expr, refs);
  }
  return { value: pyStr(new Evaluator(store, extra).eval(expr)), references: refs };
}

/** Evaluates `e` in a function body: its locals are visible, and `d`'s writes are made on `store`. */
export function evaluateInFunction(e: Expr, store: DataStore, scope: FunctionScope, extra: FastFunctions = NO_EXTRA): PyVal {
  return new Evaluator(store, extra, scope).eval(e);
}

class Evaluator {
  readonly #store: DataStore;
  readonly #extra: FastFunctions;
  readonly #scope: FunctionScope | undefined;
  /** Comprehension names in scope. */
  readonly #bound = new Map<string, PyVal>();
  constructor(store: DataStore, extra: FastFunctions, scope?: FunctionScope) {
    this.#store = store;
    this.#extra = extra;
    this.#scope = scope;
  }

  #isModule(path: string): boolean {
    if (MODULES.has(path)) return true;
    for (const name of this.#extra.keys()) if (name.startsWith(`${path}.`)) return true;
    return false;
  }

  eval(e: Expr): PyVal {
    switch (e.t) {
      case 'const':
        return e.v;
      case 'name': {
        const bound = this.#bound.get(e.id);
        if (bound !== undefined) return bound;
        if (this.#scope?.assigned.has(e.id)) {
          const v = this.#scope.locals.get(e.id);
          if (v === undefined) throw new NotFast(`unbound local ${e.id}`);
          return v;
        }
        const g = GLOBALS[e.id];
        if (!g) throw new NotFast(`name ${e.id}`);
        return g;
      }
      case 'attr':
        return this.#attr(this.eval(e.obj), e.name);
      case 'call':
        return this.#call(e);
      case 'index':
        return index(this.eval(e.obj), this.eval(e.index));
      case 'slice':
        return slice(this.eval(e.obj), this.#opt(e.lo), this.#opt(e.hi), this.#opt(e.step));
      case 'list':
        return list(e.items.map((x) => this.eval(x)));
      case 'tuple':
        return tuple(e.items.map((x) => this.eval(x)));
      case 'unary': {
        const v = this.eval(e.e);
        if (e.op === 'not') return !truthy(v);
        const n = asInt(v);
        if (n === undefined) throw new NotFast(`unary ${e.op}`);
        return e.op === '-' ? checkInt(-n) : n;
      }
      case 'bin':
        return binary(e.op, this.eval(e.l), this.eval(e.r));
      case 'bool': {
        const l = this.eval(e.l);
        if (e.op === 'and') return truthy(l) ? this.eval(e.r) : l;
        return truthy(l) ? l : this.eval(e.r);
      }
      case 'cmp': {
        let left = this.eval(e.first);
        for (const [op, rhs] of e.rest) {
          const right = this.eval(rhs);
          if (!compare(op, left, right)) return false;
          left = right;
        }
        return true;
      }
      case 'ifelse':
        return truthy(this.eval(e.cond)) ? this.eval(e.yes) : this.eval(e.no);
      case 'comp':
        // A generator is only modelled where a list gives the same result (#call's GENERATOR_TAKERS).
        if (e.kind === 'gen') throw new NotFast('generator expression');
        return list(this.#comprehension(e));
      default: {
        const never: never = e;
        throw new NotFast(`unreachable ${String(never)}`);
      }
    }
  }

  /** The items a comprehension makes; its name is bound only inside it, as in Python 3. */
  #comprehension(e: Extract<Expr, { t: 'comp' }>): PyVal[] {
    const items = iterate(this.eval(e.iter));
    const outer = this.#bound.get(e.target);
    const out: PyVal[] = [];
    try {
      for (const item of items) {
        this.#bound.set(e.target, item);
        if (e.conds.every((c) => truthy(this.eval(c)))) out.push(this.eval(e.elt));
      }
    } finally {
      if (outer === undefined) this.#bound.delete(e.target);
      else this.#bound.set(e.target, outer);
    }
    return out;
  }

  #opt(e: Expr | null): PyVal {
    return e ? this.eval(e) : null;
  }

  #attr(obj: PyVal, name: string): PyVal {
    if (isRef(obj) && obj.self === undefined && this.#isModule(obj.path)) {
      const path = `${obj.path}.${name}`;
      if (this.#isModule(path) || FUNCTIONS.has(path) || this.#extra.has(path) || (this.#scope !== undefined && WRITES.has(path))) return ref(path);
      throw new NotFast(path);
    }
    if (typeof obj === 'string' && hasStrMethod(name)) return ref(`str.${name}`, obj);
    throw new NotFast(`attribute ${name}`);
  }

  #call(e: Extract<Expr, { t: 'call' }>): PyVal {
    const fn = this.eval(e.fn);
    if (!isRef(fn)) throw new NotFast('calling a non-function');
    const args = e.args.map((a) => (a.t === 'comp' && a.kind === 'gen' && GENERATOR_TAKERS.has(fn.path) ? list(this.#comprehension(a)) : this.eval(a)));
    const kwargs = new Map(e.kwargs.map(([k, v]) => [k, this.eval(v)] as const));
    if (fn.path.startsWith('str.') && typeof fn.self === 'string') {
      if (kwargs.size) throw new NotFast('keyword arguments to str methods');
      return callStrMethod(fn.self, fn.path.slice(4), args);
    }
    return this.#library(fn.path, args, kwargs);
  }

  #library(path: string, args: PyVal[], kwargs: ReadonlyMap<string, PyVal>): PyVal {
    const kw = (name: string, pos: number, dflt: PyVal): PyVal => {
      const k = kwargs.get(name);
      if (k !== undefined) return k;
      return pos < args.length ? (args[pos] ?? null) : dflt;
    };
    const allowKw = (...names: string[]): void => {
      for (const k of kwargs.keys()) if (!names.includes(k)) throw new NotFast(`keyword ${k}`);
    };
    if (WRITES.has(path)) return this.#write(path, args, kwargs);
    allowKw(...(path === 'd.getVar' ? ['expand'] : path === 'd.getVarFlag' ? ['expand'] : path === 'bb.utils.to_boolean' ? ['default'] : []));
    const store = this.#store;
    switch (path) {
      case 'd.getVar':
        return fromValue(store.getVar(text(args[0]), truthy(kw('expand', 1, true))));
      case 'd.getVarFlag':
        return fromValue(store.getVarFlag(text(args[0]), text(args[1]), truthy(kw('expand', 2, true))));
      case 'd.expand':
        return store.expand(text(args[0]));
      case 'bb.utils.contains':
      case 'bb.utils.contains_any': {
        expectD(args[4]);
        const val = store.getVar(text(args[0]));
        if (!truthyValue(val)) return args[3] ?? null;
        const have = new Set(pySplit(stringValue(val)));
        const want = wordSet(args[1] ?? null);
        const ok = path === 'bb.utils.contains' ? [...want].every((w) => have.has(w)) : [...want].some((w) => have.has(w));
        return ok ? (args[2] ?? null) : (args[3] ?? null);
      }
      case 'bb.utils.filter': {
        expectD(args[2]);
        const val = store.getVar(text(args[0]));
        if (!truthyValue(val)) return '';
        const have = new Set(pySplit(stringValue(val)));
        return [...wordSet(args[1] ?? null)].filter((w) => have.has(w)).sort(codePointOrder).join(' ');
      }
      case 'bb.utils.to_boolean': {
        const s = args[0] ?? null;
        if (!truthy(s)) return kw('default', 1, null);
        if (typeof s === 'number' || typeof s === 'boolean') return asInt(s) !== 0;
        const n = text(s).toLowerCase();
        if (['y', 'yes', '1', 'true'].includes(n)) return true;
        if (['n', 'no', '0', 'false'].includes(n)) return false;
        throw new NotFast('to_boolean raises');
      }
      case 'bb.parse.vars_from_file':
        expectD(args[1]);
        return varsFromFile(args[0] ?? null);
      case 'os.path.basename': {
        const p = text(args[0]);
        return p.slice(p.lastIndexOf('/') + 1);
      }
      case 'os.path.dirname': {
        const p = text(args[0]);
        const head = p.slice(0, p.lastIndexOf('/') + 1);
        return /^\/+$/.test(head) ? head : head.replace(/\/+$/, '');
      }
      case 'os.path.join':
        if (args.length === 0) throw new NotFast('os.path.join()');
        return args.map(text).reduce((a, b) => (b.startsWith('/') ? b : a === '' || a.endsWith('/') ? a + b : `${a}/${b}`));
      case 'os.path.normpath':
        return normpath(text(args[0]));
      case 'os.path.splitext':
        return splitext(text(args[0]));
      default: {
        const f = this.#extra.get(path);
        if (!f) return builtin(path, args, kwargs);
        if (args.length !== 1 || kwargs.size) throw new NotFast(`${path} arity`);
        expectD(args[0]);
        return f(store);
      }
    }
  }

  /**
   * A write of tsbake's `d` (python/tsbake_worker/proxy.py), made the same way: names must be
   * str, setVar/setVarFlag store to_value(value), the append/prepend family str(value).
   */
  #write(path: string, args: PyVal[], kwargs: ReadonlyMap<string, PyVal>): PyVal {
    const scope = this.#scope;
    if (!scope || scope.readOnly) throw new NotFast(path);
    for (const k of kwargs.keys()) if (!(path === 'd.setVar' && k === 'parsing')) throw new NotFast(`keyword ${k}`);
    if (args.length !== WRITES.get(path)) throw new NotFast(`${path} arity`);
    const name = text(args[0]);
    let op: (store: DataStore) => void;
    switch (path) {
      case 'd.setVar': {
        const value = toValue(args[1] ?? null);
        const parsing = truthy(kwargs.get('parsing') ?? false);
        op = (s) => s.setVar(name, value, { parsing });
        break;
      }
      case 'd.setVarFlag': {
        const [flag, value] = [text(args[1]), toValue(args[2] ?? null)];
        op = (s) => s.setVarFlag(name, flag, value, {});
        break;
      }
      case 'd.appendVar':
      case 'd.prependVar': {
        const value = pyStr(args[1] ?? null);
        op = path === 'd.appendVar' ? (s) => s.appendVar(name, value, {}) : (s) => s.prependVar(name, value, {});
        break;
      }
      case 'd.appendVarFlag':
      case 'd.prependVarFlag': {
        const [flag, value] = [text(args[1]), pyStr(args[2] ?? null)];
        op = path === 'd.appendVarFlag' ? (s) => s.appendVarFlag(name, flag, value, {}) : (s) => s.prependVarFlag(name, flag, value, {});
        break;
      }
      case 'd.delVar':
        op = (s) => s.delVar(name, {});
        break;
      case 'd.delVarFlag': {
        const flag = text(args[1]);
        op = (s) => s.delVarFlag(name, flag, {});
        break;
      }
      default:
        throw new NotFast(path);
    }
    op(this.#store);
    scope.writes.push(op);
    return null;
  }
}

function builtin(path: string, args: PyVal[], kwargs: ReadonlyMap<string, PyVal>): PyVal {
  if (kwargs.size) throw new NotFast(`keyword arguments to ${path}`);
  const one = (): PyVal => {
    if (args.length !== 1) throw new NotFast(`${path} arity`);
    return args[0] ?? null;
  };
  switch (path) {
    case 'len': {
      const v = one();
      if (typeof v === 'string') return noSurrogates(v).length;
      if (isSeq(v)) return v.items.length;
      throw new NotFast('len');
    }
    case 'str':
      return args.length === 0 ? '' : pyStr(one());
    case 'repr':
      return pyRepr(one());
    case 'bool':
      return args.length === 0 ? false : truthy(one());
    case 'int':
      return toInt(args.length === 0 ? 0 : one());
    case 'list':
      return list(args.length === 0 ? [] : iterate(one()));
    case 'tuple':
      return tuple(args.length === 0 ? [] : iterate(one()));
    case 'sorted':
      return list(sortValues(iterate(one())));
    case 'min':
    case 'max': {
      const items = args.length === 1 ? iterate(args[0] ?? null) : args;
      if (items.length === 0) throw new NotFast(`${path} of nothing`);
      const sorted = sortValues(items);
      return (path === 'min' ? sorted[0] : sorted[sorted.length - 1]) ?? null;
    }
    default:
      throw new NotFast(path);
  }
}

function sortValues(items: PyVal[]): PyVal[] {
  return [...items].sort(pyCompare);
}

const codePointOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function toInt(v: PyVal): number {
  const n = asInt(v);
  if (n !== undefined) return n;
  if (typeof v !== 'string') throw new NotFast('int() argument');
  const m = /^[ \t\n\r\f\v]*([+-]?)([0-9]+(?:_[0-9]+)*)[ \t\n\r\f\v]*$/.exec(v);
  if (!m) throw new NotFast('int() raises ValueError');
  return checkInt(Number((m[1] ?? '') + (m[2] ?? '').replaceAll('_', '')));
}

function expectD(v: PyVal | undefined): void {
  if (!(v !== undefined && isRef(v) && v.path === 'd')) throw new NotFast('datastore argument');
}

function text(v: PyVal | undefined): string {
  if (typeof v !== 'string') throw new NotFast('expected a str argument');
  return v;
}

function noSurrogates(s: string): string {
  if (/[\ud800-\udfff]/.test(s)) throw new NotFast('astral characters');
  return s;
}

/** proxy.py's to_value: a Python value as the datastore stores it (JSON scalars and lists of str, else str()). */
function toValue(v: PyVal): Value {
  if (v === null || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') return v;
  if (isSeq(v) && v.items.every((x): x is string => typeof x === 'string')) return [...v.items];
  return pyStr(v);
}

/** Datastore values as the Python objects BitBake stores. */
function fromValue(v: Value | undefined): PyVal {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return checkInt(v);
  return list([...v]);
}

function truthyValue(v: Value | undefined): boolean {
  return truthy(fromValue(v));
}

function stringValue(v: Value | undefined): string {
  const s = fromValue(v);
  if (typeof s !== 'string') throw new NotFast('non-string datastore value');
  return s;
}

function wordSet(v: PyVal): Set<string> {
  if (typeof v === 'string') return new Set(pySplit(v));
  return new Set(iterate(v).map((x) => text(x)));
}

function varsFromFile(fn: PyVal): PyVal {
  if (typeof fn !== 'string' || !(fn.endsWith('.bb') || fn.endsWith('.bbappend'))) {
    if (fn !== null && typeof fn !== 'string') throw new NotFast('vars_from_file argument');
    return tuple([null, null, null]);
  }
  const base = fn.slice(fn.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  const stem = dot > 0 ? base.slice(0, dot) : base;
  const parts: PyVal[] = stem.split('_');
  if (parts.length > 3) throw new NotFast('vars_from_file raises ParseError');
  while (parts.length < 3) parts.push(null);
  return list(parts);
}

/**
 * posixpath.normpath: `.` and empty parts dropped, `..` folded where it can be, and a leading
 * `//` kept (POSIX leaves its meaning open; three or more slashes are one).
 */
function normpath(p: string): string {
  if (p === '') return '.';
  const lead = p.startsWith('/') ? (p.startsWith('//') && !p.startsWith('///') ? '//' : '/') : '';
  const parts: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..' || (lead === '' && parts.length === 0) || parts[parts.length - 1] === '..') parts.push(part);
    else if (parts.length > 0) parts.pop();
  }
  return lead + parts.join('/') || '.';
}

function splitext(p: string): PySeq {
  const slash = p.lastIndexOf('/');
  let dot = p.lastIndexOf('.');
  if (dot <= slash) return tuple([p, '']);
  let lead = slash + 1;
  while (lead < dot && p[lead] === '.') lead++;
  if (lead === dot) dot = -1;
  return dot < 0 ? tuple([p, '']) : tuple([p.slice(0, dot), p.slice(dot)]);
}

function index(obj: PyVal, i: PyVal): PyVal {
  const n = asInt(i);
  if (n === undefined) throw new NotFast('non-integer index');
  const items = typeof obj === 'string' ? [...noSurrogates(obj)] : isSeq(obj) ? obj.items : undefined;
  if (!items) throw new NotFast('subscript');
  const k = n < 0 ? n + items.length : n;
  if (k < 0 || k >= items.length) throw new NotFast('index out of range');
  return items[k] ?? null;
}

function slice(obj: PyVal, lo: PyVal, hi: PyVal, step: PyVal): PyVal {
  const st = step === null ? 1 : asInt(step);
  if (st === undefined || st === 0) throw new NotFast('slice step');
  const items = typeof obj === 'string' ? [...noSurrogates(obj)] : isSeq(obj) ? [...obj.items] : undefined;
  if (!items) throw new NotFast('slice');
  const len = items.length;
  const bound = (v: PyVal, dflt: number, lowEdge: number, highEdge: number): number => {
    if (v === null) return dflt;
    const n = asInt(v);
    if (n === undefined) throw new NotFast('slice bound');
    const k = n < 0 ? n + len : n;
    return Math.min(Math.max(k, lowEdge), highEdge);
  };
  const out: PyVal[] = [];
  if (st > 0) {
    const a = bound(lo, 0, 0, len);
    const b = bound(hi, len, 0, len);
    for (let k = a; k < b; k += st) out.push(items[k] ?? null);
  } else {
    const a = bound(lo, len - 1, -1, len - 1);
    const b = bound(hi, -1, -1, len - 1);
    for (let k = a; k > b; k += st) out.push(items[k] ?? null);
  }
  if (typeof obj === 'string') return out.join('');
  return isSeq(obj) && obj.kind === 'tuple' ? tuple(out) : list(out);
}

function binary(op: '+' | '-' | '*' | '%' | '//' | '**', l: PyVal, r: PyVal): PyVal {
  const a = asInt(l);
  const b = asInt(r);
  if (a !== undefined && b !== undefined) {
    switch (op) {
      case '+':
        return checkInt(a + b);
      case '-':
        return checkInt(a - b);
      case '*':
        return checkInt(a * b);
      case '%':
        if (b === 0) throw new NotFast('modulo by zero');
        return checkInt(a - b * Math.floor(a / b));
      case '//':
        if (b === 0) throw new NotFast('division by zero');
        return checkInt(Math.floor(a / b));
      case '**':
        if (b < 0) throw new NotFast('negative power');
        return checkInt(a ** b);
      default: {
        const never: never = op;
        throw new NotFast(String(never));
      }
    }
  }
  if (op === '+' && typeof l === 'string' && typeof r === 'string') return l + r;
  if (op === '+' && isSeq(l) && isSeq(r) && l.kind === r.kind) return { kind: l.kind, items: [...l.items, ...r.items] };
  if (op === '%' && typeof l === 'string') return formatPercent(l, r);
  if (op === '*') {
    const [seq, n] = b !== undefined ? [l, b] : a !== undefined ? [r, a] : [null, undefined];
    if (n !== undefined && typeof seq === 'string') return seq.repeat(Math.max(0, n));
    if (n !== undefined && seq !== null && isSeq(seq)) return { kind: seq.kind, items: Array.from({ length: Math.max(0, n) }, () => seq.items).flat() };
  }
  throw new NotFast(`operator ${op} on these types`);
}

function compare(op: CmpOp, l: PyVal, r: PyVal): boolean {
  switch (op) {
    case '==':
      return pyEquals(l, r);
    case '!=':
      return !pyEquals(l, r);
    case '<':
      return pyCompare(l, r) < 0;
    case '<=':
      return pyCompare(l, r) <= 0;
    case '>':
      return pyCompare(l, r) > 0;
    case '>=':
      return pyCompare(l, r) >= 0;
    case 'in':
    case 'not in': {
      let found: boolean;
      if (typeof r === 'string') found = r.includes(text(l));
      else if (isSeq(r)) found = r.items.some((x) => pyEquals(x, l));
      else throw new NotFast('in on this type');
      return op === 'in' ? found : !found;
    }
    case 'is':
    case 'is not': {
      if (r !== null && l !== null && typeof r !== 'boolean') throw new NotFast('identity comparison');
      const same = l === r;
      return op === 'is' ? same : !same;
    }
    default: {
      const never: never = op;
      throw new NotFast(String(never));
    }
  }
}
