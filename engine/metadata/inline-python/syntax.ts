/**
 * A parser for the subset of Python expressions the fast path evaluates. Anything outside
 * the subset (comprehensions, lambdas, floats, f-strings, ...) raises `NotFast`, and the
 * expression goes to the real python3 instead. Never guesses.
 */

/** Thrown whenever the fast path cannot prove it evaluates exactly like Python. */
export class NotFast extends Error {
  constructor(why: string) {
    super(why);
  }
}

export type Expr =
  | { readonly t: 'const'; readonly v: null | boolean | number | string }
  | { readonly t: 'name'; readonly id: string }
  | { readonly t: 'attr'; readonly obj: Expr; readonly name: string }
  | { readonly t: 'call'; readonly fn: Expr; readonly args: readonly Expr[]; readonly kwargs: ReadonlyArray<readonly [string, Expr]> }
  | { readonly t: 'index'; readonly obj: Expr; readonly index: Expr }
  | { readonly t: 'slice'; readonly obj: Expr; readonly lo: Expr | null; readonly hi: Expr | null; readonly step: Expr | null }
  | { readonly t: 'list' | 'tuple'; readonly items: readonly Expr[] }
  | { readonly t: 'unary'; readonly op: '-' | '+' | 'not'; readonly e: Expr }
  | { readonly t: 'bin'; readonly op: '+' | '-' | '*' | '%' | '//' | '**'; readonly l: Expr; readonly r: Expr }
  | { readonly t: 'bool'; readonly op: 'and' | 'or'; readonly l: Expr; readonly r: Expr }
  | { readonly t: 'cmp'; readonly first: Expr; readonly rest: ReadonlyArray<readonly [CmpOp, Expr]> }
  | { readonly t: 'ifelse'; readonly cond: Expr; readonly yes: Expr; readonly no: Expr }
  /** `[elt for target in iter if cond ...]`, or a generator expression as a call's only argument. */
  | { readonly t: 'comp'; readonly kind: 'list' | 'gen'; readonly elt: Expr; readonly target: string; readonly iter: Expr; readonly conds: readonly Expr[] };

export type CmpOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in' | 'is' | 'is not';

type Tok =
  | { readonly k: 'name'; readonly v: string }
  | { readonly k: 'num'; readonly v: number }
  | { readonly k: 'str'; readonly v: string }
  | { readonly k: 'op'; readonly v: string }
  | { readonly k: 'end' };

const KEYWORDS_NOT_FAST = new Set(['lambda', 'for', 'yield', 'await', 'async', 'del', 'global', 'nonlocal', 'assert', 'import', 'from', 'class', 'def', 'return', 'with', 'as', 'while', 'pass', 'raise', 'try', 'except', 'finally']);
const OPS = ['**', '//', '==', '!=', '<=', '>=', '(', ')', '[', ']', ',', ':', '.', '+', '-', '*', '%', '<', '>', '='];
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\', "'": "'", '"': '"', n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v' };

function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] ?? '';
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (word) {
      const w = word[0];
      const q = src[i + w.length];
      if ((q === "'" || q === '"') && /^[rRuU]$/.test(w)) {
        const [s, next] = readString(src, i + w.length, w === 'r' || w === 'R');
        toks.push({ k: 'str', v: s });
        i = next;
        continue;
      }
      if (q === "'" || q === '"') throw new NotFast(`string prefix ${w}`);
      toks.push({ k: 'name', v: w });
      i += w.length;
      continue;
    }
    if (/[0-9]/.test(c)) {
      const num = /^(?:0|[1-9][0-9]*)(?![0-9A-Za-z_.])/.exec(src.slice(i));
      if (!num) throw new NotFast('number literal');
      const v = Number(num[0]);
      if (!Number.isSafeInteger(v)) throw new NotFast('large integer');
      toks.push({ k: 'num', v });
      i += num[0].length;
      continue;
    }
    if (c === "'" || c === '"') {
      const [s, next] = readString(src, i, false);
      toks.push({ k: 'str', v: s });
      i = next;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new NotFast(`token ${c}`);
    toks.push({ k: 'op', v: op });
    i += op.length;
  }
  toks.push({ k: 'end' });
  return toks;
}

/** Reads one quoted literal starting at `start` (the quote). Triple quotes are not fast. */
function readString(src: string, start: number, raw: boolean): [string, number] {
  const quote = src[start] ?? '';
  if (src.startsWith(quote.repeat(3), start)) throw new NotFast('triple-quoted string');
  let out = '';
  let i = start + 1;
  while (i < src.length) {
    const c = src[i] ?? '';
    if (c === quote) return [out, i + 1];
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const n = src[i + 1];
    if (n === undefined) break;
    if (raw) {
      out += c + n;
      i += 2;
      continue;
    }
    const simple = SIMPLE_ESCAPES[n];
    if (simple !== undefined) {
      out += simple;
      i += 2;
      continue;
    }
    const hex = n === 'x' ? /^[0-9a-fA-F]{2}/.exec(src.slice(i + 2)) : n === 'u' ? /^[0-9a-fA-F]{4}/.exec(src.slice(i + 2)) : null;
    if (hex) {
      out += String.fromCharCode(parseInt(hex[0], 16));
      i += 2 + hex[0].length;
      continue;
    }
    if (/[0-7NUxu]/.test(n)) throw new NotFast('escape sequence');
    out += c + n;
    i += 2;
  }
  throw new NotFast('unterminated string');
}

class Parser {
  #toks: Tok[];
  #pos = 0;
  constructor(src: string) {
    this.#toks = tokenize(src);
  }

  parse(): Expr {
    const e = this.#testList();
    if (this.#peek().k !== 'end') throw new NotFast('trailing tokens');
    return e;
  }

  #peek(): Tok {
    return this.#toks[this.#pos] ?? { k: 'end' };
  }
  #next(): Tok {
    const t = this.#peek();
    this.#pos++;
    return t;
  }
  #isOp(v: string): boolean {
    const t = this.#peek();
    return t.k === 'op' && t.v === v;
  }
  #isKw(v: string): boolean {
    const t = this.#peek();
    return t.k === 'name' && t.v === v;
  }
  #expectOp(v: string): void {
    if (!this.#isOp(v)) throw new NotFast(`expected ${v}`);
    this.#pos++;
  }

  /** A bare `a, b` at top level is a tuple. */
  #testList(): Expr {
    const first = this.#test();
    if (!this.#isOp(',')) return first;
    const items = [first];
    while (this.#isOp(',')) {
      this.#pos++;
      if (this.#peek().k === 'end' || this.#isOp(')')) break;
      items.push(this.#test());
    }
    return { t: 'tuple', items };
  }

  #test(): Expr {
    const e = this.#or();
    if (!this.#isKw('if')) return e;
    this.#pos++;
    const cond = this.#or();
    if (!this.#isKw('else')) throw new NotFast('if without else');
    this.#pos++;
    return { t: 'ifelse', cond, yes: e, no: this.#test() };
  }

  #or(): Expr {
    let l = this.#and();
    while (this.#isKw('or')) {
      this.#pos++;
      l = { t: 'bool', op: 'or', l, r: this.#and() };
    }
    return l;
  }

  #and(): Expr {
    let l = this.#not();
    while (this.#isKw('and')) {
      this.#pos++;
      l = { t: 'bool', op: 'and', l, r: this.#not() };
    }
    return l;
  }

  #not(): Expr {
    if (this.#isKw('not')) {
      this.#pos++;
      return { t: 'unary', op: 'not', e: this.#not() };
    }
    return this.#comparison();
  }

  #comparison(): Expr {
    const first = this.#arith();
    const rest: Array<readonly [CmpOp, Expr]> = [];
    for (;;) {
      const op = this.#cmpOp();
      if (!op) break;
      rest.push([op, this.#arith()]);
    }
    return rest.length ? { t: 'cmp', first, rest } : first;
  }

  #cmpOp(): CmpOp | undefined {
    const t = this.#peek();
    if (t.k === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.v)) {
      this.#pos++;
      return t.v as CmpOp;
    }
    if (t.k !== 'name') return undefined;
    if (t.v === 'in') {
      this.#pos++;
      return 'in';
    }
    if (t.v === 'is') {
      this.#pos++;
      if (this.#isKw('not')) {
        this.#pos++;
        return 'is not';
      }
      return 'is';
    }
    if (t.v === 'not') {
      const after = this.#toks[this.#pos + 1];
      if (after?.k === 'name' && after.v === 'in') {
        this.#pos += 2;
        return 'not in';
      }
    }
    return undefined;
  }

  #arith(): Expr {
    let l = this.#term();
    for (;;) {
      if (this.#isOp('+') || this.#isOp('-')) {
        const op = (this.#next() as { v: '+' | '-' }).v;
        l = { t: 'bin', op, l, r: this.#term() };
      } else return l;
    }
  }

  #term(): Expr {
    let l = this.#unary();
    for (;;) {
      if (this.#isOp('*') || this.#isOp('%') || this.#isOp('//')) {
        const op = (this.#next() as { v: '*' | '%' | '//' }).v;
        l = { t: 'bin', op, l, r: this.#unary() };
      } else if (this.#isOp('/')) {
        throw new NotFast('true division');
      } else return l;
    }
  }

  #unary(): Expr {
    if (this.#isOp('-') || this.#isOp('+')) {
      const op = (this.#next() as { v: '-' | '+' }).v;
      return { t: 'unary', op, e: this.#unary() };
    }
    const base = this.#postfix();
    if (this.#isOp('**')) {
      this.#pos++;
      return { t: 'bin', op: '**', l: base, r: this.#unary() };
    }
    return base;
  }

  #postfix(): Expr {
    let e = this.#atom();
    for (;;) {
      if (this.#isOp('.')) {
        this.#pos++;
        const n = this.#next();
        if (n.k !== 'name') throw new NotFast('attribute name');
        e = { t: 'attr', obj: e, name: n.v };
      } else if (this.#isOp('(')) {
        this.#pos++;
        e = this.#call(e);
      } else if (this.#isOp('[')) {
        this.#pos++;
        e = this.#subscript(e);
      } else return e;
    }
  }

  #call(fn: Expr): Expr {
    const args: Expr[] = [];
    const kwargs: Array<readonly [string, Expr]> = [];
    while (!this.#isOp(')')) {
      if (this.#isOp('*') || this.#isOp('**')) throw new NotFast('star arguments');
      const t = this.#peek();
      const after = this.#toks[this.#pos + 1];
      if (t.k === 'name' && after?.k === 'op' && after.v === '=') {
        this.#pos += 2;
        kwargs.push([t.v, this.#test()]);
      } else {
        if (kwargs.length) throw new NotFast('positional after keyword');
        args.push(this.#test());
      }
      if (this.#isKw('for')) {
        if (args.length !== 1 || kwargs.length) throw new NotFast('generator expression beside other arguments');
        args[0] = this.#comprehension('gen', args[0] as Expr, ')');
        break;
      }
      if (!this.#isOp(',')) break;
      this.#pos++;
    }
    this.#expectOp(')');
    return { t: 'call', fn, args, kwargs };
  }

  #subscript(obj: Expr): Expr {
    const part = (): Expr | null => (this.#isOp(':') || this.#isOp(']') ? null : this.#test());
    const lo = part();
    if (this.#isOp(']')) {
      this.#pos++;
      if (!lo) throw new NotFast('empty subscript');
      return { t: 'index', obj, index: lo };
    }
    this.#expectOp(':');
    const hi = part();
    let step: Expr | null = null;
    if (this.#isOp(':')) {
      this.#pos++;
      step = part();
    }
    this.#expectOp(']');
    return { t: 'slice', obj, lo, hi, step };
  }

  #sequence(close: string, kind: 'list' | 'tuple'): Expr {
    const items: Expr[] = [];
    let trailingComma = false;
    while (!this.#isOp(close)) {
      items.push(this.#test());
      if (this.#isKw('for')) {
        if (kind !== 'list' || items.length !== 1) throw new NotFast('comprehension');
        const comp = this.#comprehension('list', items[0] as Expr, close);
        this.#expectOp(close);
        return comp;
      }
      trailingComma = false;
      if (!this.#isOp(',')) break;
      this.#pos++;
      trailingComma = true;
    }
    this.#expectOp(close);
    if (kind === 'tuple' && items.length === 1 && !trailingComma) return items[0] as Expr;
    return { t: kind, items };
  }

  /** `for NAME in OR_TEST (if OR_TEST)*` after `elt`, up to `close` (one `for`, one name). */
  #comprehension(kind: 'list' | 'gen', elt: Expr, close: string): Expr {
    this.#pos++;
    const target = this.#next();
    if (target.k !== 'name' || !this.#isKw('in')) throw new NotFast('comprehension target');
    this.#pos++;
    const iter = this.#or();
    const conds: Expr[] = [];
    while (this.#isKw('if')) {
      this.#pos++;
      conds.push(this.#or());
    }
    if (!this.#isOp(close)) throw new NotFast('nested comprehension');
    return { t: 'comp', kind, elt, target: target.v, iter, conds };
  }

  #atom(): Expr {
    const t = this.#next();
    switch (t.k) {
      case 'num':
        return { t: 'const', v: t.v };
      case 'str': {
        let v = t.v;
        while (this.#peek().k === 'str') v += (this.#next() as { v: string }).v;
        return { t: 'const', v };
      }
      case 'name':
        if (t.v === 'None') return { t: 'const', v: null };
        if (t.v === 'True') return { t: 'const', v: true };
        if (t.v === 'False') return { t: 'const', v: false };
        if (KEYWORDS_NOT_FAST.has(t.v) || ['and', 'or', 'not', 'in', 'is', 'if', 'else'].includes(t.v)) throw new NotFast(`keyword ${t.v}`);
        return { t: 'name', id: t.v };
      case 'op':
        if (t.v === '(') return this.#sequence(')', 'tuple');
        if (t.v === '[') return this.#sequence(']', 'list');
        throw new NotFast(`operator ${t.v}`);
      case 'end':
        throw new NotFast('unexpected end');
      default: {
        const never: never = t;
        throw new NotFast(`unreachable ${String(never)}`);
      }
    }
  }
}

const parsed = new Map<string, Expr | NotFast>();

/** Parses (and memoises) an expression; throws NotFast outside the subset. */
export function parseExpression(code: string): Expr {
  let e = parsed.get(code);
  if (e === undefined) {
    try {
      e = new Parser(code.trim()).parse();
    } catch (err) {
      if (!(err instanceof NotFast)) throw err;
      e = err;
    }
    parsed.set(code, e);
  }
  if (e instanceof NotFast) throw e;
  return e;
}

const GETVAR_LIKE = new Set(['d.getVar', 'd.getVarFlag', 'bb.utils.contains', 'bb.utils.contains_any', 'bb.utils.filter', 'd.appendVar', 'd.prependVar']);

function dotted(e: Expr): string | undefined {
  if (e.t === 'name') return e.id;
  if (e.t === 'attr') {
    const o = dotted(e.obj);
    return o === undefined ? undefined : `${o}.${e.name}`;
  }
  return undefined;
}

/** Variables an expression reads by literal name (what BitBake's code parser reports). */
export function staticReferences(e: Expr, out: Set<string> = new Set()): Set<string> {
  const visit = (x: Expr | null): void => {
    if (!x) return;
    switch (x.t) {
      case 'call': {
        const name = dotted(x.fn);
        const first = x.args[0];
        if (name && GETVAR_LIKE.has(name) && first?.t === 'const' && typeof first.v === 'string') out.add(first.v);
        visit(x.fn);
        x.args.forEach(visit);
        x.kwargs.forEach(([, v]) => visit(v));
        return;
      }
      case 'attr':
        return visit(x.obj);
      case 'index':
        visit(x.obj);
        return visit(x.index);
      case 'slice':
        [x.obj, x.lo, x.hi, x.step].forEach(visit);
        return;
      case 'list':
      case 'tuple':
        x.items.forEach(visit);
        return;
      case 'unary':
        return visit(x.e);
      case 'bin':
      case 'bool':
        visit(x.l);
        return visit(x.r);
      case 'cmp':
        visit(x.first);
        x.rest.forEach(([, v]) => visit(v));
        return;
      case 'ifelse':
        [x.cond, x.yes, x.no].forEach(visit);
        return;
      case 'comp':
        [x.iter, x.elt, ...x.conds].forEach(visit);
        return;
      case 'const':
      case 'name':
        return;
      default: {
        const never: never = x;
        throw new Error(`unreachable ${String(never)}`);
      }
    }
  };
  visit(e);
  return out;
}
