/**
 * BitBake's line grammar: `.conf` files (assignments, include/require/export/unset) and
 * recipe-like files (`.bb`, `.bbclass`, `.inc`, `.bbappend`), which add functions, `def`
 * blocks, tasks and inherits. Pure: text in, located statements out.
 */
import { ParseError } from '../core/errors.js';
import type { AssignOp, FileKind, Statement } from './ast.js';

const ASSIGN_RE =
  /^(?<exp>export\s+)?(?<name>[a-zA-Z0-9\-_+.${}/~:]*?)(?:\[(?<flag>[a-zA-Z0-9\-_+.][a-zA-Z0-9\-_+.@/]*)\])?(?<ws>\s*)(?<op>:=|\?\?=|\?=|\+=|=\+|=\.|\.=|=)\s*(?!'[^']*'[^']*'$)(?!"[^"]*"[^"]*"$)(?<apo>['"])(?<value>.*)\k<apo>$/;
const INCLUDE_RE = /^include\s+(.+)/;
const REQUIRE_RE = /^require\s+(.+)/;
const INCLUDE_ALL_RE = /^include_all\s+(.+)/;
const EXPORT_RE = /^export\s+([a-zA-Z0-9\-_+.${}/~]+)$/;
const UNSET_RE = /^unset\s+([a-zA-Z0-9\-_+.${}/~]+)$/;
const UNSET_FLAG_RE = /^unset\s+([a-zA-Z0-9\-_+.${}/~]+)\[([a-zA-Z0-9\-_+.][a-zA-Z0-9\-_+.@]+)\]$/;
const ADDPYLIB_RE = /^addpylib\s+(.+)\s+(.+)/;
const ADDFRAGMENTS_RE = /^addfragments\s+(.+)\s+(.+)\s+(.+)\s+(.+)/;

const FUNC_NAME_RE = /^(?<name>[\w.\-+{}$:]+)?\s*\(\s*\)\s*\{$/;
const INHERIT_RE = /^inherit\s+(.+)/;
const INHERIT_DEFER_RE = /^inherit_defer\s+(.+)/;
const EXPORT_FUNCTIONS_RE = /^EXPORT_FUNCTIONS\s+(.+)/;
const ADDTASK_RE = /^addtask\s+([^#\n]+)/;
const DELTASK_RE = /^deltask\s+([^#\n]+)/;
const ADDHANDLER_RE = /^addhandler\s+(.+)/;
const DEF_RE = /^def\s+(\w+).*:/;
const PYTHON_BODY_RE = /^(?:\s+.*|$|#)/;
const OLD_KEYWORDS = [':append_', ':prepend_', ':remove_'];

/** Python's universal newlines: \r\n, \r and \n all end a line. */
function splitLines(text: string): string[] {
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Python's str.rstrip() for the whitespace that occurs in metadata. */
const rstrip = (s: string): string => s.replace(/[\s\x1c-\x1f\x85]+$/u, '');

export interface ParseOptions {
  /** bblayers.conf, layer.conf and bitbake.conf are "base configuration": only they may `addpylib`. */
  readonly baseConfig?: boolean;
}

export function parse(text: string, file: string, kind: FileKind, options: ParseOptions = {}): Statement[] {
  return kind === 'conf' ? parseConf(text, file, options.baseConfig ?? false) : new RecipeParser(file).run(text);
}

function parseConf(text: string, file: string, baseConfig: boolean): Statement[] {
  const lines = splitLines(text);
  const out: Statement[] = [];
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i] ?? '';
    if (first.trim() === '') continue;
    const start = i + 1;
    let s = rstrip(first);
    while (s.endsWith('\\')) {
      i++;
      const next = rstrip(lines[i] ?? '');
      if ((next === '' || next[0] !== '#') && s[0] === '#') {
        throw new ParseError(`confusing multiline, partially commented expression starting on line ${start}`, { file, line: i + 1 }, 'make every continued line a comment, or none of them');
      }
      s = s.slice(0, -1) + next;
    }
    if (s === '' || s[0] === '#') continue;
    const statement = confStatement(s, file, i + 1, baseConfig);
    if (!statement) throw unparsed(s, file, i + 1);
    out.push(statement);
  }
  return out;
}

function unparsed(s: string, file: string, line: number): ParseError {
  const hint = /^\s/.test(s)
    ? 'a statement must start in column 0; remove the leading whitespace'
    : /["']\s*#/.test(s)
      ? 'a comment is not allowed after an assignment; put it on a line of its own'
      : 'expected an assignment (VAR = "value"), include/require, export, unset or, in recipes, a function, inherit or addtask';
  return new ParseError(`unparsed line: '${s}'`, { file, line }, hint);
}

/** The statements both grammars share. `undefined` when the line is none of them. */
function confStatement(s: string, file: string, line: number, baseConfig: boolean): Statement | undefined {
  const a = ASSIGN_RE.exec(s);
  if (a?.groups) {
    const g = a.groups;
    const name = g['name'] ?? '';
    if (name === '') throw new ParseError(`empty variable name in assignment: '${s}'`, { file, line });
    return {
      kind: 'assign',
      line,
      name,
      flag: g['flag'],
      op: (g['op'] ?? '=') as AssignOp,
      value: g['value'] ?? '',
      exported: g['exp'] !== undefined,
    };
  }
  let m = INCLUDE_RE.exec(s);
  if (m) return { kind: 'include', line, what: m[1] ?? '', required: false };
  m = REQUIRE_RE.exec(s);
  if (m) return { kind: 'include', line, what: m[1] ?? '', required: true };
  m = INCLUDE_ALL_RE.exec(s);
  if (m) return { kind: 'include_all', line, what: m[1] ?? '' };
  m = EXPORT_RE.exec(s);
  if (m) return { kind: 'export', line, name: m[1] ?? '' };
  m = UNSET_RE.exec(s);
  if (m) return { kind: 'unset', line, name: m[1] ?? '', flag: undefined };
  m = UNSET_FLAG_RE.exec(s);
  if (m) return { kind: 'unset', line, name: m[1] ?? '', flag: m[2] };
  m = ADDPYLIB_RE.exec(s);
  if (m && baseConfig) return { kind: 'addpylib', line, libdir: m[1] ?? '', namespace: m[2] ?? '' };
  m = ADDFRAGMENTS_RE.exec(s);
  if (m) {
    return { kind: 'addfragments', line, pathPrefix: m[1] ?? '', variable: m[2] ?? '', flaggedVariables: m[3] ?? '', builtinVariable: m[4] ?? '' };
  }
  return undefined;
}

/** Splits `addtask X after A before B` the way BitBake does, quirks included. */
export function splitAddTask(spec: string): { tasks: string; before: string; after: string } {
  const tasks = (spec.split(' before ')[0] ?? '').split(' after ')[0] ?? '';
  let after = '';
  for (const part of spec.split(' before ')) {
    const pieces = part.split(' after ');
    if (pieces.length > 1) after += pieces.slice(1).join(' ');
  }
  let before = '';
  for (const part of spec.split(' after ')) {
    const pieces = part.split(' before ');
    if (pieces.length > 1) before += pieces.slice(1).join(' ');
  }
  return { tasks, before, after };
}

/** Parses `python`/`fakeroot` prefixes and the name of a function header, or undefined. */
function functionHeader(s: string): { name: string; python: boolean; fakeroot: boolean } | undefined {
  // Every statement line comes here first; FUNC_NAME_RE backtracks through an assignment's name.
  if (!s.endsWith('{')) return undefined;
  let rest = s;
  let python = false;
  let fakeroot = false;
  for (;;) {
    const p = /^python(?=\s|\()\s*/.exec(rest);
    if (p) {
      python = true;
      rest = rest.slice(p[0].length);
      continue;
    }
    const f = /^fakeroot(?=\s)\s*/.exec(rest);
    if (f) {
      fakeroot = true;
      rest = rest.slice(f[0].length);
      continue;
    }
    break;
  }
  const m = FUNC_NAME_RE.exec(rest);
  if (!m) return undefined;
  return { name: m.groups?.['name'] ?? '__anonymous', python, fakeroot };
}

/** The state machine of BitBake's recipe-file feeder: functions, def blocks, continuations. */
class RecipeParser {
  readonly #file: string;
  readonly #className: string;
  readonly #out: Statement[] = [];
  #func: { name: string; python: boolean; fakeroot: boolean; line: number } | undefined;
  #def: string | undefined;
  #body: string[] = [];
  #residue: string[] = [];

  constructor(file: string) {
    this.#file = file;
    const base = file.slice(file.lastIndexOf('/') + 1);
    this.#className = base.endsWith('.bbclass') ? base.slice(0, -'.bbclass'.length) : '';
  }

  run(text: string): Statement[] {
    const lines = splitLines(text);
    let lineno = 0;
    for (const raw of lines) {
      lineno++;
      this.#feed(lineno, rstrip(raw), false);
    }
    if (this.#def !== undefined) this.#feed(lineno, '', true);
    if (this.#residue.length > 0) {
      throw new ParseError(`unparsed lines: the file ends inside a continued line ('${this.#residue.join('')}')`, { file: this.#file, line: lineno });
    }
    if (this.#func) {
      throw new ParseError(`function ${this.#func.name} is never closed`, { file: this.#file, line: this.#func.line }, "close it with '}' alone in column 0");
    }
    return this.#out;
  }

  #feed(line: number, s: string, eof: boolean): void {
    const file = this.#file;
    if (this.#func) {
      if (s === '}') {
        this.#body.push('');
        const f = this.#func;
        this.#out.push({ kind: 'method', line, name: f.name, body: this.#body, python: f.python, fakeroot: f.fakeroot });
        this.#func = undefined;
        this.#body = [];
      } else {
        this.#body.push(s);
      }
      return;
    }
    if (this.#def !== undefined) {
      if (!eof && PYTHON_BODY_RE.test(s)) {
        this.#body.push(s);
        return;
      }
      this.#out.push({ kind: 'def', line, name: this.#def, body: this.#body });
      this.#def = undefined;
      this.#body = [];
      if (eof) return;
    }
    const residueIsComment = this.#residue.length > 0 && this.#residue[0]?.[0] === '#';
    if (s[0] === '#' && this.#residue.length > 0 && !residueIsComment) {
      throw new ParseError('a comment in the middle of a multiline expression', { file, line }, 'move the comment out of the continued lines');
    }
    if (residueIsComment && s[0] !== '#') {
      throw new ParseError(`confusing multiline, partially commented expression on line ${line - this.#residue.length}`, { file, line }, 'make every continued line a comment, or none of them');
    }
    if (s.endsWith('\\')) {
      this.#residue.push(s.slice(0, -1));
      return;
    }
    const joined = this.#residue.join('') + s;
    this.#residue = [];
    if (joined === '' || joined[0] === '#') return;
    const statement = this.#statement(joined, line);
    if (statement) this.#out.push(statement);
  }

  #statement(s: string, line: number): Statement | undefined {
    const file = this.#file;
    const header = functionHeader(s);
    if (header) {
      this.#func = { ...header, line };
      return undefined;
    }
    let m = DEF_RE.exec(s);
    if (m) {
      this.#body.push(s);
      this.#def = m[1] ?? '';
      return undefined;
    }
    m = EXPORT_FUNCTIONS_RE.exec(s);
    if (m) return { kind: 'export_functions', line, functions: (m[1] ?? '').split(/\s+/).filter(Boolean), className: this.#className };
    m = ADDTASK_RE.exec(s);
    if (m) {
      for (const word of s.split(/\s+/)) {
        if (OLD_KEYWORDS.some((k) => word.includes(k))) {
          throw new ParseError(`task name '${word}' contains a keyword (:append, :prepend, :remove)`, { file, line }, 'rename the task');
        }
      }
      return { kind: 'addtask', line, ...splitAddTask(m[1] ?? '') };
    }
    m = DELTASK_RE.exec(s);
    if (m) return { kind: 'deltask', line, tasks: m[1] ?? '' };
    m = ADDHANDLER_RE.exec(s);
    if (m) return { kind: 'addhandler', line, handlers: (m[1] ?? '').split(/\s+/).filter(Boolean) };
    m = INHERIT_RE.exec(s);
    if (m) return { kind: 'inherit', line, classes: m[1] ?? '', deferred: false };
    m = INHERIT_DEFER_RE.exec(s);
    if (m) return { kind: 'inherit', line, classes: m[1] ?? '', deferred: true };
    const statement = confStatement(s, file, line, false);
    if (!statement) throw unparsed(s, file, line);
    return statement;
  }
}
