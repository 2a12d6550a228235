/**
 * --older-than and --max-size: least recently used objects go first. An object's last use is
 * its archive's mtime, which the store refreshes whenever it restores or re-writes the
 * object. Pure.
 */
import { byteCompare } from '../signature/byte-order.js';
import { lastUsed, objectFiles, type SstateObject } from './catalogue.js';

/** Objects last used before `cutoffMs`. */
export function usedBefore(objects: readonly SstateObject[], cutoffMs: number): SstateObject[] {
  return objects.filter((o) => {
    const t = lastUsed(o);
    return t !== undefined && t < cutoffMs;
  });
}

/** Bytes of the object's files that are still there. */
export function objectSize(o: SstateObject): number {
  let n = 0;
  for (const f of objectFiles(o)) n += f.size ?? 0;
  return n;
}

/** The least recently used objects whose removal brings `objects` down to `maxBytes`. */
export function overBudget(objects: readonly SstateObject[], maxBytes: number): SstateObject[] {
  const ranked = objects.flatMap((o) => {
    const t = lastUsed(o);
    return t === undefined ? [] : [{ o, t, size: objectSize(o) }];
  });
  let total = ranked.reduce((sum, r) => sum + r.size, 0);
  if (total <= maxBytes) return [];
  ranked.sort((a, b) => a.t - b.t || byteCompare(a.o.path, b.o.path));
  const out: SstateObject[] = [];
  for (const r of ranked) {
    if (total <= maxBytes) break;
    out.push(r.o);
    total -= r.size;
  }
  return out;
}
