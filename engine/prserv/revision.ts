/**
 * PR revisions as BitBake's PR service orders them: dot-separated integers ("3", "3.1"),
 * compared field by field; a revision that runs out of fields first is the greater one
 * when all shared fields are equal ("3" >= "3.1"), exactly as BitBake compares them.
 */
import { PrservError } from './errors.js';

function fields(rev: string): number[] {
  return rev.split('.').map((f) => {
    if (!/^-?\d+$/.test(f.trim())) throw new PrservError(`PR revision ${JSON.stringify(rev)} is not dot-separated integers`);
    return Number.parseInt(f, 10);
  });
}

function greaterOrEqual(a: string, b: string): boolean {
  const fa = fields(a);
  const fb = fields(b);
  for (let i = 0; i < fa.length; i++) {
    if (i >= fb.length) return true;
    const x = fa[i] ?? 0;
    const y = fb[i] ?? 0;
    if (y < x) return true;
    if (y > x) return false;
  }
  return true;
}

export const revisionSmaller = (a: string, b: string): boolean => !greaterOrEqual(a, b);
export const revisionGreater = (a: string, b: string): boolean => greaterOrEqual(a, b) && a !== b;

/** "1" -> "2", "1.2.3" -> "1.2.4". */
export function increaseRevision(rev: string): string {
  const parts = rev.split('.');
  const last = parts.pop() ?? '';
  if (!/^-?\d+$/.test(last.trim())) throw new PrservError(`cannot increase PR revision ${JSON.stringify(rev)}`);
  return [...parts, String(Number.parseInt(last, 10) + 1)].join('.');
}

/** The greatest (or least) revision of a list, by the ordering above; undefined when empty. */
export function extremum(values: readonly string[], max: boolean): string | undefined {
  let best: string | undefined;
  for (const v of values) {
    if (best === undefined || (max ? revisionGreater(v, best) : revisionSmaller(v, best))) best = v;
  }
  return best;
}
