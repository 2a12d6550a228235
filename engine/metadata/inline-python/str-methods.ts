/**
 * The `str` methods metadata uses, with CPython's exact results. Arguments outside what is
 * modelled throw NotFast.
 */
import { isPySpace, pyLstrip, pyRstrip, pySplit, pyStrip } from '../pystr.js';
import { NotFast } from './syntax.js';
import { asInt, isSeq, list, pyStr, tuple, type PyVal } from './py-value.js';

type Method = (s: string, args: readonly PyVal[]) => PyVal;

const str = (v: PyVal | undefined, what: string): string => {
  if (typeof v !== 'string') throw new NotFast(`${what} needs a str`);
  return v;
};
/** Indices differ between UTF-16 and Python's code points beyond the BMP. */
const bmp = (s: string): string => {
  if (/[\ud800-\udfff]/.test(s)) throw new NotFast('astral characters');
  return s;
};
const optInt = (v: PyVal | undefined, dflt: number): number => {
  if (v === undefined || v === null) return dflt;
  const n = asInt(v);
  if (n === undefined) throw new NotFast('integer argument');
  return n;
};
const argc = (args: readonly PyVal[], max: number): void => {
  if (args.length > max) throw new NotFast('too many arguments');
};

function stripChars(s: string, chars: PyVal | undefined, left: boolean, right: boolean): string {
  if (chars === undefined || chars === null) return left && right ? pyStrip(s) : left ? pyLstrip(s) : pyRstrip(s);
  const set = new Set(str(chars, 'strip'));
  let a = 0;
  let b = s.length;
  if (left) while (a < b && set.has(s[a] ?? '')) a++;
  if (right) while (b > a && set.has(s[b - 1] ?? '')) b--;
  return s.slice(a, b);
}

function splitSep(s: string, sep: string, max: number): string[] {
  if (sep === '') throw new NotFast('empty separator');
  const parts: string[] = [];
  let rest = s;
  while (max < 0 || parts.length < max) {
    const i = rest.indexOf(sep);
    if (i < 0) break;
    parts.push(rest.slice(0, i));
    rest = rest.slice(i + sep.length);
  }
  parts.push(rest);
  return parts;
}

function splitWhitespace(s: string, max: number): string[] {
  if (max < 0) return pySplit(s);
  const parts: string[] = [];
  let i = 0;
  const n = s.length;
  while (i < n) {
    while (i < n && isPySpace(s[i] ?? '')) i++;
    if (i >= n) break;
    if (parts.length === max) {
      parts.push(pyRstrip(s.slice(i)));
      return parts;
    }
    let j = i;
    while (j < n && !isPySpace(s[j] ?? '')) j++;
    parts.push(s.slice(i, j));
    i = j;
  }
  return parts;
}

function rsplitWhitespace(s: string, max: number): string[] {
  if (max < 0) return pySplit(s);
  const parts: string[] = [];
  let j = s.length;
  while (j > 0) {
    while (j > 0 && isPySpace(s[j - 1] ?? '')) j--;
    if (j <= 0) break;
    if (parts.length === max) {
      parts.unshift(pyLstrip(s.slice(0, j)));
      return parts;
    }
    let i = j;
    while (i > 0 && !isPySpace(s[i - 1] ?? '')) i--;
    parts.unshift(s.slice(i, j));
    j = i;
  }
  return parts;
}

function rsplitSep(s: string, sep: string, max: number): string[] {
  if (sep === '') throw new NotFast('empty separator');
  const parts: string[] = [];
  let rest = s;
  while (max < 0 || parts.length < max) {
    const i = rest.lastIndexOf(sep);
    if (i < 0) break;
    parts.unshift(rest.slice(i + sep.length));
    rest = rest.slice(0, i);
  }
  parts.unshift(rest);
  return parts;
}

function affix(s: string, args: readonly PyVal[], test: (s: string, a: string) => boolean): boolean {
  argc(args, 1);
  const a = args[0] ?? null;
  if (typeof a === 'string') return test(s, a);
  if (isSeq(a) && a.kind === 'tuple') return a.items.some((x) => test(s, str(x, 'startswith/endswith')));
  throw new NotFast('startswith/endswith argument');
}

function count(s: string, sub: string): number {
  if (sub === '') return s.length + 1;
  let n = 0;
  for (let i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length)) n++;
  return n;
}

const METHODS: Readonly<Record<string, Method>> = {
  split(s, args) {
    argc(args, 2);
    const sep = args[0] ?? null;
    const max = optInt(args[1], -1);
    return list(sep === null ? splitWhitespace(s, max) : splitSep(s, str(sep, 'split'), max));
  },
  rsplit(s, args) {
    argc(args, 2);
    const sep = args[0] ?? null;
    const max = optInt(args[1], -1);
    return list(sep === null ? rsplitWhitespace(s, max) : rsplitSep(s, str(sep, 'rsplit'), max));
  },
  strip: (s, args) => (argc(args, 1), stripChars(s, args[0], true, true)),
  lstrip: (s, args) => (argc(args, 1), stripChars(s, args[0], true, false)),
  rstrip: (s, args) => (argc(args, 1), stripChars(s, args[0], false, true)),
  replace(s, args) {
    argc(args, 3);
    const from = str(args[0], 'replace');
    const to = str(args[1], 'replace');
    const max = optInt(args[2], -1);
    if (max < 0) return s.replaceAll(from, to);
    if (from === '') throw new NotFast('counted replace of empty string');
    return splitSep(s, from, max).join(to);
  },
  upper: (s, args) => {
    argc(args, 0);
    if (/[^\x00-\x7f]/.test(s)) throw new NotFast('non-ASCII case mapping');
    return s.toUpperCase();
  },
  lower: (s, args) => {
    argc(args, 0);
    if (/[^\x00-\x7f]/.test(s)) throw new NotFast('non-ASCII case mapping');
    return s.toLowerCase();
  },
  startswith: (s, args) => affix(s, args, (x, a) => x.startsWith(a)),
  endswith: (s, args) => affix(s, args, (x, a) => x.endsWith(a)),
  join(s, args) {
    argc(args, 1);
    const items = args[0];
    if (typeof items === 'string') return [...items].join(s);
    if (items !== undefined && isSeq(items)) return items.items.map((x) => str(x, 'join')).join(s);
    throw new NotFast('join argument');
  },
  find: (s, args) => (argc(args, 1), bmp(s).indexOf(str(args[0], 'find'))),
  rfind: (s, args) => (argc(args, 1), bmp(s).lastIndexOf(str(args[0], 'rfind'))),
  count: (s, args) => (argc(args, 1), count(s, str(args[0], 'count'))),
  isdigit: (s, args) => {
    argc(args, 0);
    if (/[^\x00-\x7f]/.test(s)) throw new NotFast('non-ASCII isdigit');
    return /^[0-9]+$/.test(s);
  },
  partition(s, args) {
    argc(args, 1);
    const sep = str(args[0], 'partition');
    if (sep === '') throw new NotFast('empty separator');
    const i = s.indexOf(sep);
    return tuple(i < 0 ? [s, '', ''] : [s.slice(0, i), sep, s.slice(i + sep.length)]);
  },
  rpartition(s, args) {
    argc(args, 1);
    const sep = str(args[0], 'rpartition');
    if (sep === '') throw new NotFast('empty separator');
    const i = s.lastIndexOf(sep);
    return tuple(i < 0 ? ['', '', s] : [s.slice(0, i), sep, s.slice(i + sep.length)]);
  },
  removeprefix: (s, args) => {
    argc(args, 1);
    const p = str(args[0], 'removeprefix');
    return s.startsWith(p) ? s.slice(p.length) : s;
  },
  removesuffix: (s, args) => {
    argc(args, 1);
    const p = str(args[0], 'removesuffix');
    return p !== '' && s.endsWith(p) ? s.slice(0, -p.length) : s;
  },
};

export function hasStrMethod(name: string): boolean {
  return Object.hasOwn(METHODS, name);
}

export function callStrMethod(s: string, name: string, args: readonly PyVal[]): PyVal {
  const m = METHODS[name];
  if (!m) throw new NotFast(`str.${name}`);
  return m(s, args);
}

/** `'%s-%d' % args` with plain %s, %d, %i and %%. */
export function formatPercent(fmt: string, arg: PyVal): string {
  const args = isSeq(arg) && arg.kind === 'tuple' ? [...arg.items] : [arg];
  let used = 0;
  const out = fmt.replace(/%(.)/gs, (_m, c: string) => {
    if (c === '%') return '%';
    const v = args[used++];
    if (v === undefined) throw new NotFast('not enough format arguments');
    if (c === 's') return pyStr(v);
    if (c === 'd' || c === 'i') {
      const n = asInt(v);
      if (n === undefined) throw new NotFast('%d of a non-integer');
      return String(n);
    }
    throw new NotFast(`format %${c}`);
  });
  if (/%$/.test(fmt.replace(/%%/g, ''))) throw new NotFast('incomplete format');
  if (used !== args.length) throw new NotFast('format argument count');
  return out;
}
