/**
 * Finding metadata files the way BitBake does: `which` along a colon-separated search path,
 * include resolution next to the including file, class search directories. Pure except for
 * the existence test it is given.
 */
import { resolve as resolvePath } from 'node:path';

/** Python's os.path.join for two parts. */
export function joinPath(dir: string, item: string): string {
  if (item.startsWith('/') || dir === '') return item;
  return dir.endsWith('/') ? dir + item : `${dir}/${item}`;
}

export function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  if (i < 0) return '';
  const head = p.slice(0, i + 1);
  return /^\/+$/.test(head) ? head : head.replace(/\/+$/, '');
}

export function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

export interface Found {
  /** The first existing candidate (made absolute), or undefined. */
  readonly path: string | undefined;
  /** Every candidate looked at, in order, up to and including the hit. */
  readonly attempts: readonly string[];
}

/** bb.utils.which: the first `dir/item` that exists, for each dir of `searchPath`. */
export function which(searchPath: string, item: string, exists: (p: string) => boolean): Found {
  const attempts: string[] = [];
  for (const dir of searchPath.split(':')) {
    const candidate = joinPath(dir, item);
    attempts.push(candidate);
    if (exists(candidate)) {
      return { path: candidate.startsWith('/') ? candidate : resolvePath(candidate), attempts };
    }
  }
  return { path: undefined, attempts };
}
