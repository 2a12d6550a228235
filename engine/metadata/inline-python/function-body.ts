/**
 * Anonymous functions (`python () { ... }`) and defs called as `${@NAME(d)}` run in TypeScript
 * when every statement is in a small subset: assignments to local names (`x = ...`, `x += ...`
 * on a str or int), `if` / `elif` / `else`, `pass`, `return`, and expression statements, over
 * the fast path's expressions plus `d`'s writes (setVar, appendVar, setVarFlag, ...). Anything
 * else (loops, `raise`, `bb.fatal`, a def of the layer, a multi-line string) is NotFast, and
 * the function runs in python3 as before.
 *
 * A run is all or nothing: it works on a copy of the recipe's store, and only when the whole
 * function has run are its writes made again, in order, on the store itself. A function that
 * stops half way (NotFast, or an error python3 must word) leaves no trace. A def called from
 * `${@...}` may not write at all (python3 runs one that does).
 */
import type { DataStore } from '../datastore.js';
import { evaluateInFunction, type FastFunctions, type FunctionScope } from './fast-path.js';
import { isSeq, truthy, type PyVal } from './py-value.js';
import { NotFast, parseExpression, type Expr } from './syntax.js';

type Stmt =
  | { readonly t: 'expr'; readonly e: Expr }
  | { readonly t: 'assign'; readonly name: string; readonly e: Expr; readonly augmented: boolean }
  | { readonly t: 'if'; readonly branches: ReadonlyArray<readonly [Expr, readonly Stmt[]]>; readonly orelse: readonly Stmt[] }
  | { readonly t: 'pass' }
  | { readonly t: 'return'; readonly e: Expr | null };

export interface FunctionBody {
  readonly body: readonly Stmt[];
  readonly assigned: ReadonlySet<string>;
}

interface Line {
  readonly indent: number;
  readonly text: string;
}

const HEADER = /^def [A-Za-z_][A-Za-z0-9_]*\(d\):[ \t]*$/;
const ASSIGN = /^([A-Za-z_][A-Za-z0-9_]*)[ \t]*(\+?=)(?!=)[ \t]*(.*)$/;
const KEYWORD = /^(?:if|elif|else|pass|return|for|while|try|with|def|class|raise|import|from|del|global|nonlocal|assert|lambda|yield|async|await|not|and|or|in|is|None|True|False)$/;

const compiled = new Map<string, FunctionBody | NotFast>();

/** The function `def NAME(d):` + body, parsed once per text; throws NotFast outside the subset. */
export function parseFunction(text: string): FunctionBody {
  let f = compiled.get(text);
  if (f === undefined) {
    try {
      f = new BodyParser(logicalLines(text)).parse();
    } catch (e) {
      if (!(e instanceof NotFast)) throw e;
      f = e;
    }
    if (compiled.size >= 1024) compiled.clear();
    compiled.set(text, f);
  }
  if (f instanceof NotFast) throw f;
  return f;
}

/**
 * Runs `f` with `d` bound to `store`. Throws NotFast (or whatever an expansion threw) without
 * having changed `store`.
 */
export function runFunction(f: FunctionBody, store: DataStore, extra?: FastFunctions): void {
  const scratch = store.createCopy();
  const scope: FunctionScope = { assigned: f.assigned, locals: new Map(), writes: [] };
  runBlock(f.body, scratch, scope, extra);
  for (const write of scope.writes) write(store);
}

/**
 * Calls `f` as `${@NAME(d)}` does: its return value, None without one. A write to `d` is
 * NotFast (python3 makes it), so it runs on `store` itself, whose expansions are cached.
 */
export function callFunction(f: FunctionBody, store: DataStore, extra?: FastFunctions): PyVal {
  return runBlock(f.body, store, { assigned: f.assigned, locals: new Map(), writes: [], readOnly: true }, extra)?.value ?? null;
}

/** What a `return` that ended the function returned (undefined: it ran to its end). */
function runBlock(body: readonly Stmt[], store: DataStore, scope: FunctionScope, extra: FastFunctions | undefined): { readonly value: PyVal } | undefined {
  const ev = (e: Expr): PyVal => evaluateInFunction(e, store, scope, extra);
  for (const s of body) {
    switch (s.t) {
      case 'expr':
        ev(s.e);
        break;
      case 'assign': {
        // `x += [..]` changes a list in place (other names for it see the change): not modelled.
        const current = s.augmented ? scope.locals.get(s.name) : undefined;
        if (current !== undefined && isSeq(current) && current.kind === 'list') throw new NotFast('+= on a list');
        scope.locals.set(s.name, ev(s.e));
        break;
      }
      case 'if': {
        const taken = s.branches.find(([cond]) => truthy(ev(cond)));
        const returned = runBlock(taken ? taken[1] : s.orelse, store, scope, extra);
        if (returned) return returned;
        break;
      }
      case 'pass':
        break;
      case 'return':
        return { value: s.e ? ev(s.e) : null };
      default: {
        const never: never = s;
        throw new NotFast(`unreachable ${String(never)}`);
      }
    }
  }
  return undefined;
}

/**
 * The body's logical lines: comments and blank lines dropped, bracketed continuations joined,
 * each with its indentation (tabs and spaces must not mix: Python's TabError is not modelled).
 */
function logicalLines(text: string): Line[] {
  const [header, ...raw] = text.split('\n');
  if (header === undefined || !HEADER.test(header)) throw new NotFast('function header');
  const out: Line[] = [];
  let indentChar: string | undefined;
  let pending: { indent: number; text: string; depth: number } | undefined;
  for (const line of raw) {
    const { code, depth } = scanLine(line, pending?.depth ?? 0);
    if (pending) {
      pending = { ...pending, text: `${pending.text} ${code.trim()}`, depth };
    } else {
      if (code.trim() === '') continue;
      const ws = /^[ \t]*/.exec(code)?.[0] ?? '';
      for (const c of ws) {
        indentChar ??= c;
        if (c !== indentChar) throw new NotFast('mixed tabs and spaces');
      }
      pending = { indent: ws.length, text: code.trim(), depth };
    }
    if (pending.depth === 0) {
      if (pending.text.endsWith('\\')) throw new NotFast('backslash continuation');
      out.push({ indent: pending.indent, text: pending.text });
      pending = undefined;
    }
  }
  if (pending) throw new NotFast('unclosed bracket');
  return out;
}

/** A physical line without its comment, and the bracket depth at its end (strings skipped). */
function scanLine(line: string, depth: number): { code: string; depth: number } {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote !== undefined) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '#') return { code: line.slice(0, i), depth };
    if (c === "'" || c === '"') {
      if (line.startsWith(c.repeat(3), i)) throw new NotFast('triple-quoted string');
      quote = c;
    } else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
  }
  if (quote !== undefined) throw new NotFast('string across lines');
  if (depth < 0) throw new NotFast('unbalanced brackets');
  return { code: line, depth };
}

class BodyParser {
  readonly #lines: readonly Line[];
  readonly #assigned = new Set<string>();
  #pos = 0;

  constructor(lines: readonly Line[]) {
    this.#lines = lines;
  }

  parse(): FunctionBody {
    const first = this.#lines[0];
    if (!first || first.indent === 0) throw new NotFast('function body indentation');
    const body = this.#block(first.indent);
    if (this.#pos < this.#lines.length) throw new NotFast('dedent below the body');
    return { body, assigned: this.#assigned };
  }

  /** The statements at exactly `indent`, up to the first line indented less. */
  #block(indent: number): Stmt[] {
    const out: Stmt[] = [];
    for (let l = this.#lines[this.#pos]; l && l.indent >= indent; l = this.#lines[this.#pos]) {
      if (l.indent > indent) throw new NotFast('unexpected indent');
      this.#pos++;
      out.push(this.#statement(l.text, indent));
    }
    return out;
  }

  /** The indented block after a line ending in `:`. */
  #suite(indent: number): Stmt[] {
    const next = this.#lines[this.#pos];
    if (!next || next.indent <= indent) throw new NotFast('expected an indented block');
    const body = this.#block(next.indent);
    const after = this.#lines[this.#pos];
    if (after && after.indent > indent) throw new NotFast('inconsistent dedent');
    return body;
  }

  #statement(text: string, indent: number): Stmt {
    const head = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text)?.[0] ?? '';
    if (head === 'if') {
      const branches: Array<readonly [Expr, readonly Stmt[]]> = [[this.#condition(text, 'if'), this.#suite(indent)]];
      let orelse: readonly Stmt[] = [];
      for (let l = this.#lines[this.#pos]; l && l.indent === indent; l = this.#lines[this.#pos]) {
        const word = /^[A-Za-z_]+/.exec(l.text)?.[0];
        if (word === 'elif') {
          this.#pos++;
          branches.push([this.#condition(l.text, 'elif'), this.#suite(indent)]);
          continue;
        }
        if (word === 'else') {
          if (!/^else[ \t]*:$/.test(l.text)) throw new NotFast('else');
          this.#pos++;
          orelse = this.#suite(indent);
        }
        break;
      }
      return { t: 'if', branches, orelse };
    }
    if (head === 'pass' && text === 'pass') return { t: 'pass' };
    if (head === 'return') {
      const rest = text.slice('return'.length);
      if (rest.trim() === '') return { t: 'return', e: null };
      if (!/^[ \t(\['"]/.test(rest)) throw new NotFast('return');
      return { t: 'return', e: parseExpression(rest) };
    }
    const assign = ASSIGN.exec(text);
    if (assign && !KEYWORD.test(assign[1] ?? '')) {
      const name = assign[1] ?? '';
      const value = parseExpression(assign[3] ?? '');
      this.#assigned.add(name);
      const augmented = assign[2] === '+=';
      return { t: 'assign', name, augmented, e: augmented ? { t: 'bin', op: '+', l: { t: 'name', id: name }, r: value } : value };
    }
    if (KEYWORD.test(head) && !['not', 'None', 'True', 'False', 'lambda'].includes(head)) throw new NotFast(`statement ${head}`);
    return { t: 'expr', e: parseExpression(text) };
  }

  /** The expression of `if EXPR:` / `elif EXPR:` (a statement after the colon is not modelled). */
  #condition(text: string, keyword: string): Expr {
    const rest = text.slice(keyword.length);
    if (!text.endsWith(':') || !/^[ \t(\['"]/.test(rest)) throw new NotFast(keyword);
    return parseExpression(rest.slice(0, -1));
  }
}
