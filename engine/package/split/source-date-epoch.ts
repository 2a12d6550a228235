/**
 * SOURCE_DATE_EPOCH for a recipe's packages, as oe-core settles it: the recipe's (or the
 * configuration's) value when it is a number; else the epoch file written after unpacking
 * (`${SDE_FILE}`); else the mtime of the youngest non-hidden file in `${S}` (unless S is the
 * unpack directory itself); else SOURCE_DATE_EPOCH_FALLBACK.
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const asEpoch = (s: string | undefined): number | undefined => (s !== undefined && /^\s*\d+\s*$/.test(s) ? Number(s.trim()) : undefined);

function youngestFile(dir: string): number | undefined {
  let best: number | undefined;
  const visit = (d: string): void => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names) {
      if (name.startsWith('.')) continue;
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isDirectory()) visit(p);
      else if (best === undefined || st.mtimeMs / 1000 > best) best = Math.floor(st.mtimeMs / 1000);
    }
  };
  visit(dir);
  return best;
}

export function sourceDateEpoch(lookup: (name: string) => string | undefined): number {
  const explicit = asEpoch(lookup('SOURCE_DATE_EPOCH'));
  if (explicit !== undefined) return explicit;
  const sdeFile = lookup('SDE_FILE');
  if (sdeFile) {
    try {
      const fromFile = asEpoch(readFileSync(sdeFile, 'utf8'));
      if (fromFile !== undefined) return fromFile;
    } catch {
      // not written (no unpack step): derive it below
    }
  }
  const s = lookup('S');
  const fromSources = s && s !== lookup('UNPACKDIR') ? youngestFile(s) : undefined;
  return fromSources ?? asEpoch(lookup('SOURCE_DATE_EPOCH_FALLBACK')) ?? 0;
}
