/**
 * BBFILE_PATTERN_* and BBMASK are Python regular expressions. The common subset reads the
 * same in JavaScript once Python-only spellings are translated.
 */
import { LayerError } from '../core/errors.js';

export function pythonRegex(pattern: string, what: string): RegExp {
  const js = pattern
    .replace(/\(\?P<([A-Za-z_][A-Za-z0-9_]*)>/g, '(?<$1>')
    .replace(/\(\?P=([A-Za-z_][A-Za-z0-9_]*)\)/g, '\\k<$1>')
    .replace(/\\A/g, '^')
    .replace(/\\Z/g, '$');
  try {
    return new RegExp(js);
  } catch (e) {
    throw new LayerError(`${what} is not a valid regular expression: ${pattern} (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** Python's re.match: anchored at the start only. */
export function pythonMatch(re: RegExp, s: string): boolean {
  const m = re.exec(s);
  if (!m) return false;
  if (m.index === 0) return true;
  const anchored = new RegExp(`^(?:${re.source})`, re.flags);
  return anchored.test(s);
}

/** Python's re.escape (3.7+): only characters special in a pattern get a backslash. */
export function pythonEscape(s: string): string {
  return s.replace(/[()[\]{}?*+\-|^$\\.&~# \t\n\r\v\f]/g, (c) => `\\${c}`);
}
