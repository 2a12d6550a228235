/**
 * The command names a shell function runs, for its signature: BitBake parses the body with
 * pysh and takes the command words that name another function as dependencies. We have no
 * shell parser, so this is a tokeniser of command positions, good enough for metadata:
 *
 * - a command word is the first word at the start of a line, after `;` `&` `&&` `|` `||`
 *   `(`, after the reserved words `then` `do` `else` `elif` `if` `while` `until` `!` `{`
 *   `time`, and inside `$(...)` and backticks (also within double quotes);
 * - `NAME=value` prefixes are skipped; `name() {` and `function name` define local functions,
 *   which are not dependencies (pysh drops them too);
 * - quoted or partly quoted words, words with `$` and words inside comments are never
 *   command names; `for`/`case` heads and case patterns are not commands;
 * - here-document bodies are skipped (a `$(cmd)` inside an unquoted here-document is missed:
 *   the one known gap, accepted because metadata calls functions there rarely if ever).
 *
 * Over-approximating is harmless (a spurious dependency only adds a value to the hash) and
 * only names of functions in the datastore are kept by the caller.
 */

export interface ShellScan {
  /** Command names, minus the functions the body defines itself. */
  readonly execs: readonly string[];
}

const KEEPS_COMMAND_POSITION = new Set(['then', 'do', 'else', 'elif', 'if', 'while', 'until', '!', '{', 'time']);
const ENDS_COMMAND = new Set(['fi', 'done', '}']);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=/;
const FUNCTION_PARENS = /^[ \t]*\([ \t]*\)/;
const WORD_END = new Set([' ', '\t', '\n', ';', '&', '|', '(', ')', '<', '>']);

interface Word {
  readonly text: string;
  /** No quotes, escapes or expansions: the word is its own text. */
  readonly plain: boolean;
}

interface Heredoc {
  readonly delimiter: string;
  readonly stripTabs: boolean;
}

type CaseState = 'head' | 'pattern' | 'body';

class Scanner {
  readonly #s: string;
  #i = 0;
  readonly execs = new Set<string>();
  readonly defs = new Set<string>();
  #heredocs: Heredoc[] = [];
  /** Inside backticks a backtick always closes (nesting needs escapes), even mid-word. */
  #backticks = 0;

  constructor(text: string) {
    this.#s = text;
  }

  /** Commands up to `stop` (consumed) or the end: one list of pipelines, `$(...)` or `...`. */
  sequence(stop: ')' | '`' | undefined): void {
    let expectCommand = true;
    const cases: CaseState[] = [];
    while (this.#i < this.#s.length) {
      const c = this.#s[this.#i] ?? '';
      if (c === stop && !(c === ')' && cases.at(-1) === 'pattern')) {
        this.#i++;
        return;
      }
      const after = this.#operator(c, cases);
      if (after === 'word') expectCommand = this.#wordAt(expectCommand, cases);
      else if (after !== 'same') expectCommand = after;
    }
  }

  /**
   * Consumes blanks, comments, operators and redirections at the cursor. Returns whether a
   * command may follow, 'same' when that does not change, or 'word' when a word starts here.
   */
  #operator(c: string, cases: CaseState[]): boolean | 'same' | 'word' {
    const s = this.#s;
    const next = s[this.#i + 1];
    switch (c) {
      case ' ':
      case '\t':
      case '\r':
        this.#i++;
        return 'same';
      case '\n':
        this.#i++;
        this.#skipHeredocs();
        return cases.at(-1) !== 'pattern';
      case '#':
        while (this.#i < s.length && s[this.#i] !== '\n') this.#i++;
        return 'same';
      case ';':
        if (next !== ';' && next !== '&') {
          this.#i++;
          return true;
        }
        // `;;`, `;&`, `;;&`: the end of a case item; a pattern comes next.
        this.#i += s[this.#i + 2] === '&' ? 3 : 2;
        if (cases.length > 0) cases[cases.length - 1] = 'pattern';
        return false;
      case '&':
      case '|':
        this.#i += next === c ? 2 : 1;
        return true;
      case '(':
        if (next === '(') {
          this.#skipArithmetic(this.#i + 2);
          return false;
        }
        this.#i++;
        if (cases.at(-1) === 'pattern') return 'same'; // the optional `(` before a case pattern
        this.sequence(')');
        return false;
      case ')':
        this.#i++;
        if (cases.at(-1) !== 'pattern') return 'same';
        cases[cases.length - 1] = 'body';
        return true;
      case '<':
      case '>':
        this.#redirection();
        return 'same';
      default:
        if (c === '\\' && next === '\n') {
          this.#i += 2;
          return 'same';
        }
        return 'word';
    }
  }

  /** Reads the word at the cursor; returns whether a command may follow it. */
  #wordAt(expectCommand: boolean, cases: CaseState[]): boolean {
    const word = this.#word();
    const state = cases.at(-1);
    if (word.plain && word.text === 'esac' && state !== undefined && state !== 'head') {
      cases.pop();
      return false;
    }
    if (state === 'head') {
      if (word.plain && word.text === 'in') cases[cases.length - 1] = 'pattern';
      return false;
    }
    if (state === 'pattern') return false; // a pattern word: never a command
    // `2>&1`: a file descriptor number belongs to the redirection
    if (/^\d+$/.test(word.text) && (this.#s[this.#i] === '<' || this.#s[this.#i] === '>')) return expectCommand;
    return expectCommand ? this.#command(word, cases) : false;
  }

  /** Handles a word in command position; returns whether the next word is one too. */
  #command(word: Word, cases: CaseState[]): boolean {
    const w = word.text;
    if (ASSIGNMENT.test(w)) return true;
    if (!word.plain) return false;
    if (KEEPS_COMMAND_POSITION.has(w)) return true;
    if (ENDS_COMMAND.has(w)) return false;
    if (w === 'for' || w === 'select') return false;
    if (w === 'case') {
      cases.push('head');
      return false;
    }
    if (w === 'function') {
      const name = this.#wordAfterBlanks();
      if (name?.plain) this.defs.add(name.text);
      this.#skipParens();
      return true;
    }
    const parens = FUNCTION_PARENS.exec(this.#s.slice(this.#i, this.#i + 16));
    if (parens) {
      this.defs.add(w);
      this.#i += parens[0].length;
      return true;
    }
    this.execs.add(w);
    return false;
  }

  /** A shell word: quotes, escapes and `$` forms are consumed whole; command substitutions are scanned. */
  #word(): Word {
    const s = this.#s;
    const start = this.#i;
    let plain = true;
    while (this.#i < s.length) {
      const c = s[this.#i] ?? '';
      if (WORD_END.has(c) || (c === '`' && this.#backticks > 0)) break;
      plain = this.#wordPiece(c) && plain;
    }
    return { text: s.slice(start, this.#i), plain };
  }

  /** Consumes one piece of a word starting at `c`; returns false when it is not literal text. */
  #wordPiece(c: string): boolean {
    const s = this.#s;
    if (c === "'") {
      const end = s.indexOf("'", this.#i + 1);
      this.#i = end < 0 ? s.length : end + 1;
      return false;
    }
    if (c === '"') {
      this.#doubleQuoted();
      return false;
    }
    if (c === '\\') {
      this.#i += 2;
      return false;
    }
    if (c === '`') {
      this.#substitution();
      return false;
    }
    if (c === '$') {
      this.#dollar();
      return false;
    }
    this.#i++;
    return true;
  }

  #doubleQuoted(): void {
    const s = this.#s;
    this.#i++;
    while (this.#i < s.length) {
      const c = s[this.#i];
      if (c === '"') {
        this.#i++;
        return;
      }
      if (c === '\\') this.#i += 2;
      else if (c === '`') {
        if (this.#backticks > 0) return; // the closing backtick of an enclosing substitution
        this.#substitution();
      } else if (c === '$') this.#dollar();
      else this.#i++;
    }
  }

  /** A backtick command substitution, scanned for commands. */
  #substitution(): void {
    this.#i++;
    this.#backticks++;
    try {
      this.sequence('`');
    } finally {
      this.#backticks--;
    }
  }

  /** `$(...)` is scanned for commands; `$((...))`, `${...}` and `$name` are skipped. */
  #dollar(): void {
    const s = this.#s;
    const next = s[this.#i + 1];
    if (next === '(' && s[this.#i + 2] === '(') {
      this.#skipArithmetic(this.#i + 3);
    } else if (next === '(') {
      this.#i += 2;
      this.sequence(')');
    } else if (next === '{') {
      let depth = 0;
      for (this.#i += 1; this.#i < s.length; this.#i++) {
        const c = s[this.#i];
        if (c === '{') depth++;
        else if (c === '}' && --depth === 0) break;
      }
      this.#i++;
    } else {
      this.#i++;
    }
  }

  /** Skips to the `))` closing an arithmetic expansion whose text starts at `from`. */
  #skipArithmetic(from: number): void {
    let depth = 0;
    let i = from;
    for (; i < this.#s.length; i++) {
      const c = this.#s[i];
      if (c === '(') depth++;
      else if (c === ')') {
        if (depth === 0) break;
        depth--;
      }
    }
    this.#i = this.#s[i + 1] === ')' ? i + 2 : i + 1;
  }

  /** `>file`, `2>&1`, `<<EOF`: the target is a file name (or a here-document delimiter). */
  #redirection(): void {
    const s = this.#s;
    const heredoc = s.startsWith('<<', this.#i) && s[this.#i + 2] !== '<';
    const stripTabs = heredoc && s[this.#i + 2] === '-';
    while (this.#i < s.length && '<>&|-'.includes(s[this.#i] ?? '')) this.#i++;
    const target = this.#wordAfterBlanks();
    if (heredoc && target) this.#heredocs.push({ delimiter: target.text.replace(/['"\\]/g, ''), stripTabs });
  }

  #wordAfterBlanks(): Word | undefined {
    while (this.#s[this.#i] === ' ' || this.#s[this.#i] === '\t') this.#i++;
    if (this.#i >= this.#s.length || WORD_END.has(this.#s[this.#i] ?? '')) return undefined;
    return this.#word();
  }

  #skipParens(): void {
    const m = FUNCTION_PARENS.exec(this.#s.slice(this.#i, this.#i + 16));
    if (m) this.#i += m[0].length;
  }

  /** At the start of a line: skips the bodies of the here-documents the previous line opened. */
  #skipHeredocs(): void {
    const s = this.#s;
    for (const doc of this.#heredocs) {
      while (this.#i < s.length) {
        const eol = s.indexOf('\n', this.#i);
        const end = eol < 0 ? s.length : eol;
        let line = s.slice(this.#i, end);
        if (doc.stripTabs) line = line.replace(/^\t+/, '');
        this.#i = end + 1;
        if (line === doc.delimiter) break;
      }
    }
    this.#heredocs = [];
  }
}

/** Bodies come from classes and repeat across recipes: scans are memoised by text (bounded). */
const memo = new Map<string, ShellScan>();
const MEMO_LIMIT = 20_000;

/** Command names `text` (a shell function body) runs, other than functions it defines. */
export function scanShell(text: string): ShellScan {
  let r = memo.get(text);
  if (!r) {
    const scanner = new Scanner(text);
    scanner.sequence(undefined);
    r = { execs: [...scanner.execs].filter((e) => !scanner.defs.has(e)) };
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(text, r);
  }
  return r;
}
