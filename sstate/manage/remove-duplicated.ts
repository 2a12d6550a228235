/**
 * --remove-duplicated: per recipe, arch and task, only the newest archive stays. Pure.
 *
 * As oe-core: "newest" is the archive's mtime, and the license task is never a duplicate.
 * The group is (PN, PACKAGE_ARCH, SSTATE_PKGARCH, task): oe-core's key has SSTATE_PKGARCH
 * only, so builds that differ just in TARGET_OS (glibc and musl, say) would evict each
 * other's objects there; with both arch fields they stay apart. An older archive goes
 * together with its .siginfo/.done. Companions without an archive are orphans, left to
 * --remove-orphans (oe-core ranks siginfo files on their own mtimes instead).
 */
import { byteCompare } from '../signature/byte-order.js';
import type { SstateObject } from './catalogue.js';
import { isLicenseTask } from './object-name.js';

const groupKey = (o: SstateObject): string => `${o.name.pn}\0${o.name.packageArch}\0${o.name.pkgArch}\0${o.name.task}`;

/** Groups of two or more archives (the only ones whose mtimes matter). */
export function duplicateGroups(objects: readonly SstateObject[]): SstateObject[][] {
  const groups = new Map<string, SstateObject[]>();
  for (const o of objects) {
    if (!o.archive || isLicenseTask(o.name.task)) continue;
    const key = groupKey(o);
    const g = groups.get(key);
    if (g) g.push(o);
    else groups.set(key, [o]);
  }
  return [...groups.values()].filter((g) => g.length > 1);
}

/**
 * Every object of each group but the newest (ties: the last path in byte order stays, so the
 * answer does not depend on directory order). An archive that has vanished is neither kept
 * nor removed.
 */
export function olderDuplicates(groups: readonly (readonly SstateObject[])[]): SstateObject[] {
  const out: SstateObject[] = [];
  for (const group of groups) {
    let keep: SstateObject | undefined;
    let keepTime = -Infinity;
    const present: SstateObject[] = [];
    for (const o of group) {
      const t = o.archive?.mtimeMs;
      if (t === undefined) continue;
      present.push(o);
      if (!keep || t > keepTime || (t === keepTime && byteCompare(o.path, keep.path) > 0)) {
        keep = o;
        keepTime = t;
      }
    }
    for (const o of present) if (o !== keep) out.push(o);
  }
  return out;
}
