/**
 * What a python function reads from the datastore and which functions it calls, for its
 * signature. BitBake walks the function's AST (bb.codeparser.PythonParser); there is no
 * python3 at parse time here, so this tokenises the text (strings, comments, names) and looks
 * at every call whose callee is a dotted name, the way PythonParser.visit_Call does:
 *
 * - `X.getVar('V')`, `.appendVar`, `.prependVar`, `oe.utils.conditional('V', ...)`,
 *   `bb.utils.contains('V', ...)`, `base_contains`, `bb.utils.contains_any`,
 *   `bb.utils.filter` and (beyond BitBake) `X.getVarFlags('V')` reference `V`;
 * - `X.getVarFlag('V', 'f')` (and append/prepend) reference `V[f]`;
 * - `X.expand('...${V}...')` references each `${V}` of the literal;
 * - `bb.build.exec_func('f', d)` and `bb.build.exec_task` call `f`;
 * - any other call of a dotted name is a call of that name.
 *
 * Only literal string arguments count, as in BitBake. The `contains` helpers make the whole
 * variable a dependency (BitBake hashes only whether each tested item is set): more reruns,
 * never fewer. Text inside string literals and comments is skipped. `scanValue` applies the
 * same scan to the `${@...}` expressions of a value, with its `${NAME}` references.
 */

export interface PythonScan {
  /** Variables (`V`) and flags (`V[f]`) read by name. */
  readonly references: readonly string[];
  /** Dotted names called, and names passed to bb.build.exec_func/exec_task. */
  readonly calls: readonly string[];
}

type Token = { readonly kind: 'name'; readonly text: string } | { readonly kind: 'str'; readonly text: string; readonly literal: boolean } | { readonly kind: 'op'; readonly text: string };

const GETVARS = ['.getVar', '.appendVar', '.prependVar', 'oe.utils.conditional', '.getVarFlags'];
const GETVARFLAGS = ['.getVarFlag', '.appendVarFlag', '.prependVarFlag'];
const CONTAINS = new Set(['bb.utils.contains', 'base_contains', 'bb.utils.contains_any', 'bb.utils.filter']);
const EXECFUNCS = new Set(['bb.build.exec_func', 'bb.build.exec_task']);
const KEYWORDS = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif', 'else', 'except',
  'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise', 'return', 'try',
  'while', 'with', 'yield',
]);
const STRING_PREFIX = /^(?:[rRuUbBfF]|[rR][bBfF]|[bBfF][rR])$/;
const VAR_REF = /\$\{([a-zA-Z0-9\-_+./~:]+)\}/g;
const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

function tokenise(code: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < code.length) {
    const c = code[i] ?? '';
    if (c === '#') {
      const eol = code.indexOf('\n', i);
      i = eol < 0 ? code.length : eol;
    } else if (c === '"' || c === "'") {
      i = readString(code, i, '', out);
    } else if (NAME_START.test(c)) {
      let j = i + 1;
      while (j < code.length && NAME_CHAR.test(code[j] ?? '')) j++;
      const text = code.slice(i, j);
      const q = code[j];
      if ((q === '"' || q === "'") && STRING_PREFIX.test(text)) i = readString(code, j, text, out);
      else {
        out.push({ kind: 'name', text });
        i = j;
      }
    } else if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\\') {
      i++;
    } else {
      out.push({ kind: 'op', text: c });
      i++;
    }
  }
  return out;
}

/** Reads the string literal whose quote is at `at`; returns the index after it. */
function readString(code: string, at: number, prefix: string, out: Token[]): number {
  const q = code[at] ?? '"';
  const triple = code.startsWith(q.repeat(3), at);
  const close = triple ? q.repeat(3) : q;
  let i = at + close.length;
  let text = '';
  while (i < code.length) {
    if (code[i] === '\\') {
      text += code.slice(i, i + 2);
      i += 2;
    } else if (code.startsWith(close, i)) {
      i += close.length;
      break;
    } else if (!triple && code[i] === '\n') {
      break; // unterminated: stop at the line's end, as the tokenizer would raise
    } else {
      text += code[i];
      i++;
    }
  }
  // f-strings are not constants; escapes would need decoding and never occur in names.
  out.push({ kind: 'str', text, literal: !/[fF]/.test(prefix) && !text.includes('\\') });
  return i;
}

/** The dotted callee before the `(` at `open`, or undefined when it is not a plain dotted name. */
function calleeBefore(tokens: readonly Token[], open: number): string | undefined {
  const parts: string[] = [];
  let j = open - 1;
  for (;;) {
    const t = tokens[j];
    if (t?.kind !== 'name' || KEYWORDS.has(t.text)) return undefined;
    parts.push(t.text);
    const dot = tokens[j - 1];
    if (dot?.kind !== 'op' || dot.text !== '.') break;
    j -= 2;
  }
  const before = tokens[j - 1];
  if (before?.kind === 'name' && (before.text === 'def' || before.text === 'class')) return undefined;
  return parts.reverse().join('.');
}

/** The literal string argument `index` of the call opened at `open`, when it is one. */
function literalArg(tokens: readonly Token[], open: number, index: number): string | undefined {
  let k = open + 1;
  for (let n = 0; n < index; n++) {
    // skip one argument: up to the next top-level comma
    let depth = 0;
    for (; k < tokens.length; k++) {
      const t = tokens[k];
      if (t?.kind !== 'op') continue;
      if ('([{'.includes(t.text)) depth++;
      else if (')]}'.includes(t.text)) {
        if (depth === 0) return undefined;
        depth--;
      } else if (t.text === ',' && depth === 0) break;
    }
    k++;
  }
  const arg = tokens[k];
  const after = tokens[k + 1];
  if (arg?.kind !== 'str' || !arg.literal || after?.kind !== 'op' || (after.text !== ',' && after.text !== ')')) return undefined;
  return arg.text;
}

const endsWithAny = (name: string, suffixes: readonly string[]): boolean => suffixes.some((s) => name.endsWith(s));

function scan(code: string): PythonScan {
  const tokens = tokenise(code);
  const references = new Set<string>();
  const calls = new Set<string>();
  tokens.forEach((t, open) => {
    if (t.kind !== 'op' || t.text !== '(') return;
    const name = calleeBefore(tokens, open);
    if (name === undefined) return;
    if (endsWithAny(name, GETVARFLAGS)) {
      const v = literalArg(tokens, open, 0);
      const flag = literalArg(tokens, open, 1);
      if (v !== undefined && flag !== undefined) references.add(`${v}[${flag}]`);
    } else if (endsWithAny(name, GETVARS) || CONTAINS.has(name)) {
      const v = literalArg(tokens, open, 0);
      if (v !== undefined) references.add(v);
    } else if (name.endsWith('.expand')) {
      const text = literalArg(tokens, open, 0);
      if (text !== undefined) for (const m of text.matchAll(VAR_REF)) references.add(m[1] ?? '');
    } else if (EXECFUNCS.has(name)) {
      const f = literalArg(tokens, open, 0);
      if (f !== undefined) calls.add(f);
    } else {
      calls.add(name);
    }
  });
  return { references: [...references], calls: [...calls] };
}

/**
 * Function bodies repeat across recipes (they come from classes), so scans are memoised by
 * text for the process, like BitBake's codeparser cache. Bounded so a long-lived process
 * cannot grow it without limit.
 */
const memo = new Map<string, PythonScan>();
const MEMO_LIMIT = 20_000;

export function scanPython(code: string): PythonScan {
  let r = memo.get(code);
  if (!r) {
    r = scan(code);
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(code, r);
  }
  return r;
}

/** The python code of every `${@...}` in a value. */
function inlinePython(value: string): string[] {
  const out: string[] = [];
  let at = value.indexOf('${@');
  while (at >= 0) {
    // Balanced braces, so `${@ {'a': 1}[x] }` is one expression.
    let depth = 0;
    let i = at + 3;
    for (; i < value.length; i++) {
      const c = value[i];
      if (c === '{') depth++;
      else if (c === '}') {
        if (depth === 0) break;
        depth--;
      }
    }
    out.push(value.slice(at + 3, i));
    at = value.indexOf('${@', i);
  }
  return out;
}

/** What unexpanded text refers to: `${NAME}`s, and what its inline python reads and calls. */
export interface ValueScan {
  readonly references: readonly string[];
  readonly calls: readonly string[];
}

const valueMemo = new Map<string, ValueScan>();
const NOTHING: ValueScan = { references: [], calls: [] };

/**
 * A static scan, as BitBake's codeparser is: the `${NAME}`s of the text (also those inside
 * inline python, which expansion substitutes before running it) and the literal reads and
 * calls of each `${@...}`. It needs no expansion, so it is the same for every recipe that has
 * the text, and it is memoised by text. A `${NAME}` that only appears once another value is
 * substituted is found when that other value is scanned, so the closure is the same.
 */
export function scanValue(text: string): ValueScan {
  // Most values refer to nothing; a memo lookup would hash the whole string for no gain.
  if (!text.includes('${')) return NOTHING;
  let r = valueMemo.get(text);
  if (!r) {
    const references = new Set<string>();
    const calls = new Set<string>();
    for (const m of text.matchAll(VAR_REF)) references.add(m[1] ?? '');
    if (text.includes('${@')) {
      for (const code of inlinePython(text)) {
        const scan = scanPython(code);
        for (const v of scan.references) references.add(v);
        for (const f of scan.calls) calls.add(f);
      }
    }
    r = { references: [...references], calls: [...calls] };
    if (valueMemo.size >= MEMO_LIMIT) valueMemo.clear();
    valueMemo.set(text, r);
  }
  return r;
}
