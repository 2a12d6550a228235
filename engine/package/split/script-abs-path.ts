/**
 * The `script-abs-path` check (tsbake's own): a maintainer script that writes to an absolute
 * path without `$D` changes the build host when the package is installed into an image. A
 * write is fine where `$D` is known to be empty: inside `if [ -z "$D" ]`, the `else` of
 * `if [ -n "$D" ]`, after `[ -n "$D" ] && exit 0` (or an `if [ -n "$D" ]` block that exits),
 * and on a line guarded by `[ -z "$D" ] &&` or `[ -n "$D" ] ||`. Line-based: the scripts
 * this is for are short and written in that style.
 */

export interface AbsPathWrite {
  /** 1-based line in the script body. */
  readonly line: number;
  readonly path: string;
  readonly text: string;
}

const D_REF = String.raw`"?\$\{?D\}?"?`;
const D_EMPTY = new RegExp(String.raw`(?:-z\s+${D_REF}|"x?\$\{?D\}?"\s*==?\s*"x?"|!\s+\[\s+-n\s+${D_REF})`);
const D_SET = new RegExp(String.raw`(?:-n\s+${D_REF}|\[\s+${D_REF}\s+\]|"x?\$\{?D\}?"\s*!=\s*"x?")`);

/** Commands that write to every path operand, and those that write only to the last one. */
const WRITES_ALL = new Set(['mkdir', 'rm', 'rmdir', 'touch', 'tee', 'truncate', 'chmod', 'chown', 'chgrp', 'unlink']);
const WRITES_LAST = new Set(['cp', 'mv', 'install', 'ln']);
/** Leading operand that is not a path (mode, owner). */
const SKIP_FIRST = new Set(['chmod', 'chown', 'chgrp']);

const unquote = (w: string): string => w.replace(/^['"]|['"]$/g, '');
const harmless = (p: string): boolean => p.startsWith('/dev/') || p.startsWith('/proc/') || p.startsWith('/sys/') || p === '/dev';

type Frame = { cond: 'empty' | 'set' | 'other'; inElse: boolean; exits: boolean };

function writesOf(command: string): string[] {
  const out: string[] = [];
  for (const m of command.matchAll(/(?:^|[^0-9&<])>>?\s*([^\s;|&]+)/g)) out.push(unquote(m[1] ?? ''));
  const words = command.trim().split(/\s+/).map(unquote);
  const cmd = words[0] ?? '';
  let operands = words.slice(1).filter((w) => !w.startsWith('-') && !w.startsWith('>') && w !== '');
  const cut = operands.findIndex((w) => /[>|;&]/.test(w));
  if (cut >= 0) operands = operands.slice(0, cut);
  if (cmd === 'sed' && words.some((w) => w.startsWith('-i'))) out.push(...operands.slice(1));
  else if (WRITES_ALL.has(cmd)) out.push(...(SKIP_FIRST.has(cmd) ? operands.slice(1) : operands));
  else if (WRITES_LAST.has(cmd) && operands.length > 1) out.push(operands[operands.length - 1] ?? '');
  return out.filter((p) => p.startsWith('/') && !harmless(p));
}

export function absolutePathWrites(body: string): AbsPathWrite[] {
  const stack: Frame[] = [];
  let restEmpty = false;
  const found: AbsPathWrite[] = [];
  const lines = body.split('\n');
  const emptyHere = (): boolean => restEmpty || stack.some((f) => (f.cond === 'empty' && !f.inElse) || (f.cond === 'set' && f.inElse));
  lines.forEach((raw, i) => {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) return;
    for (const part of line.split(/;\s*(?=(?:then|else|fi|elif)\b)|(?<=\bthen)\s+|(?<=\belse)\s+/)) {
      const s = part.trim().replace(/;$/, '').trim();
      if (!s) continue;
      if (/^if\s/.test(s) || /^elif\s/.test(s)) {
        const cond = D_EMPTY.test(s) ? 'empty' : D_SET.test(s) ? 'set' : 'other';
        if (s.startsWith('elif')) stack.pop();
        stack.push({ cond, inElse: false, exits: false });
        continue;
      }
      if (s === 'then') continue;
      if (s === 'else') {
        const top = stack[stack.length - 1];
        if (top) top.inElse = true;
        continue;
      }
      if (s === 'fi') {
        const top = stack.pop();
        if (top && top.cond === 'set' && !top.inElse && top.exits && stack.length === 0) restEmpty = true;
        continue;
      }
      // `[ -n "$D" ] && exit 0` ends the script whenever D is set: what follows runs with D empty.
      if (/^(\[|test)\s/.test(s) && D_SET.test(s) && /&&\s*exit\b/.test(s) && stack.length === 0) {
        restEmpty = true;
        continue;
      }
      if (/^exit\b/.test(s)) {
        const top = stack[stack.length - 1];
        if (top) top.exits = true;
        continue;
      }
      const guarded = /^(\[|test)\s/.test(s) && ((D_EMPTY.test(s) && /&&/.test(s)) || (D_SET.test(s) && /\|\|/.test(s)));
      if (guarded || emptyHere()) continue;
      for (const command of s.split(/&&|\|\||;|\|/)) for (const path of writesOf(command)) found.push({ line: i + 1, path, text: raw.trim() });
    }
  });
  return found;
}
