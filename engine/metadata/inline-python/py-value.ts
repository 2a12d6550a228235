/**
 * Python values as the fast path models them, with Python's truthiness, equality, ordering,
 * `str()` and `repr()`. Anything whose Python behaviour is not modelled exactly throws
 * NotFast.
 */
import { NotFast } from './syntax.js';

export interface PySeq {
  readonly kind: 'list' | 'tuple';
  readonly items: readonly PyVal[];
}

/** A module, function or bound method, named by its dotted path (`bb.utils.contains`). */
export interface PyRef {
  readonly kind: 'ref';
  readonly path: string;
  readonly self?: PyVal;
}

export type PyVal = null | boolean | number | string | PySeq | PyRef;

export const list = (items: readonly PyVal[]): PySeq => ({ kind: 'list', items });
export const tuple = (items: readonly PyVal[]): PySeq => ({ kind: 'tuple', items });

export function isSeq(v: PyVal): v is PySeq {
  return typeof v === 'object' && v !== null && (v.kind === 'list' || v.kind === 'tuple');
}

export function isRef(v: PyVal): v is PyRef {
  return typeof v === 'object' && v !== null && v.kind === 'ref';
}

/** bool is a subclass of int in Python: True + 1 == 2. */
export function asInt(v: PyVal): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return undefined;
}

export function checkInt(n: number): number {
  if (!Number.isSafeInteger(n)) throw new NotFast('integer out of exact range');
  return n;
}

export function truthy(v: PyVal): boolean {
  if (v === null || v === false || v === 0 || v === '') return false;
  if (isSeq(v)) return v.items.length > 0;
  return true;
}

export function pyEquals(a: PyVal, b: PyVal): boolean {
  const ia = asInt(a);
  const ib = asInt(b);
  if (ia !== undefined && ib !== undefined) return ia === ib;
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  if (a === null || b === null) return a === b;
  if (isSeq(a) && isSeq(b)) return a.kind === b.kind && a.items.length === b.items.length && a.items.every((x, i) => pyEquals(x, b.items[i] ?? null));
  if (isRef(a) || isRef(b)) throw new NotFast('comparing functions');
  return false;
}

/** -1, 0 or 1, for values Python can order; NotFast otherwise (Python would raise). */
export function pyCompare(a: PyVal, b: PyVal): number {
  const ia = asInt(a);
  const ib = asInt(b);
  if (ia !== undefined && ib !== undefined) return Math.sign(ia - ib);
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (isSeq(a) && isSeq(b) && a.kind === b.kind) {
    const n = Math.min(a.items.length, b.items.length);
    for (let i = 0; i < n; i++) {
      const x = a.items[i] ?? null;
      const y = b.items[i] ?? null;
      if (!pyEquals(x, y)) return pyCompare(x, y);
    }
    return Math.sign(a.items.length - b.items.length);
  }
  throw new NotFast('unorderable types');
}

export function pyStr(v: PyVal): string {
  if (typeof v === 'string') return v;
  return pyRepr(v);
}

export function pyRepr(v: PyVal): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return reprString(v);
  if (isSeq(v)) {
    const inner = v.items.map(pyRepr).join(', ');
    if (v.kind === 'list') return `[${inner}]`;
    return v.items.length === 1 ? `(${inner},)` : `(${inner})`;
  }
  throw new NotFast('repr of a function');
}

function reprString(s: string): string {
  if (/[^\x20-\x7e\t\n\r]/.test(s)) throw new NotFast('repr of non-ASCII text');
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const c of s) {
    if (c === '\\') out += '\\\\';
    else if (c === quote) out += '\\' + c;
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else out += c;
  }
  return out + quote;
}

/** Iterating a str gives its characters; a list or tuple its items. */
export function iterate(v: PyVal): PyVal[] {
  if (typeof v === 'string') return [...v];
  if (isSeq(v)) return [...v.items];
  throw new NotFast('not iterable here');
}

export function typeName(v: PyVal): string {
  if (v === null) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'int';
  if (typeof v === 'string') return 'str';
  return v.kind;
}
