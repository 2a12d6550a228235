/**
 * Python's notion of whitespace (str.isspace), which `str.split()`, `str.strip()` and the
 * `\s` of `re` share. BitBake splits lists and applies `:remove` with it.
 */
export const PY_SPACE = '\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

const RUNS = new RegExp(`[${PY_SPACE}]+`);
const ONE = new RegExp(`([${PY_SPACE}])`);
const LEAD = new RegExp(`^[${PY_SPACE}]+`);
const TRAIL = new RegExp(`[${PY_SPACE}]+$`);

/** `s.split()`: the words, no empty strings. */
export function pySplit(s: string): string[] {
  return s.split(RUNS).filter((w) => w !== '');
}

/** `re.split(r'(\s)', s)`: pieces and single whitespace separators, alternating. */
export function pySplitKeepSeparators(s: string): string[] {
  return s.split(ONE);
}

export const pyStrip = (s: string): string => s.replace(LEAD, '').replace(TRAIL, '');
export const pyLstrip = (s: string): string => s.replace(LEAD, '');
export const pyRstrip = (s: string): string => s.replace(TRAIL, '');

export function isPySpace(ch: string): boolean {
  return RUNS.test(ch);
}
