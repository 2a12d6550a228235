/**
 * Which package gets which path, as oe-core's populate_packages decides: packages in PACKAGES
 * order except that `-src` comes first and `-dbg` second; each package's FILES patterns are
 * globbed (Python's glob) against ${PKGD}, a matched directory brings its whole subtree, and
 * the first package to claim a path keeps it. A package also gets the parent directories of
 * what it holds. `-dbg` also collects every `.debug` directory. Pure: the tree comes in.
 */
import { glob, type DirReader } from '../../metadata/glob.js';
import type { TreeEntry } from './tree.js';
import { byteCompare as byteOrder } from '../../core/byte-order.js';

export interface PopulateResult {
  /** Paths per package, in PACKAGES processing order; each list sorted byte-wise. */
  readonly packages: ReadonlyMap<string, readonly string[]>;
  /** Paths no package claimed, in tree order. */
  readonly unshipped: readonly string[];
  /** The processing order (what PACKAGES becomes). */
  readonly order: readonly string[];
}

export function packageOrder(packages: readonly string[], autodebug = true): string[] {
  const rank = (p: string): number => (p.endsWith('-src') ? 10 : autodebug && p.endsWith('-dbg') ? 30 : 50);
  const unique = [...new Set(packages)];
  return unique.map((p, i) => ({ p, i, r: rank(p) })).sort((a, b) => a.r - b.r || a.i - b.i).map((x) => x.p);
}


class TreeIndex implements DirReader {
  readonly byPath = new Map<string, TreeEntry>();
  readonly children = new Map<string, string[]>();
  constructor(entries: readonly TreeEntry[]) {
    this.children.set('', []);
    for (const e of entries) {
      this.byPath.set(e.path, e);
      const slash = e.path.lastIndexOf('/');
      this.children.get(e.path.slice(0, slash))?.push(e.path.slice(slash + 1));
      if (e.kind === 'dir') this.children.set(e.path, []);
    }
  }
  /** glob works on `.`-relative names (`./usr/bin`), as oe-core globs from inside ${PKGD}. */
  #key(p: string): string {
    const k = p === '.' || p === './' ? '' : p.startsWith('./') ? p.slice(1) : p;
    return k.endsWith('/') ? k.slice(0, -1) : k;
  }
  list(dir: string): readonly string[] | undefined {
    return this.children.get(this.#key(dir));
  }
  exists(path: string): boolean {
    const k = this.#key(path);
    return k === '' || this.byPath.has(k);
  }
  get(path: string): TreeEntry | undefined {
    return this.byPath.get(this.#key(path));
  }
}

/** oe-core's files_from_filevars: globbed patterns, then every directory's contents, recursively. */
function expandFiles(patterns: readonly string[], tree: TreeIndex, warn: (m: string) => void): string[] {
  const files: string[] = [];
  for (let f of patterns) {
    if (f.startsWith('/')) f = `.${f}`;
    if (!f.startsWith('./')) f = `./${f}`;
    const globbed = glob(f.replaceAll('**', '*'), tree);
    files.push(...(globbed.length ? globbed : [f]));
  }
  const out: string[] = [];
  for (let i = 0; i < files.length; i++) {
    let f = files[i] ?? '';
    const parts = f.split('/');
    let parent = parts[0] ?? '';
    for (let j = 2; j < parts.length; j++) {
      parent += `/${parts[j - 1] ?? ''}`;
      if (tree.get(parent)?.kind === 'symlink') {
        warn(`FILES contains file '${f.slice(1)}' which resides under a directory symlink. Please fix the recipe and use the real path for the file.`);
        f = parent;
        break;
      }
    }
    out.push(f);
    if (tree.get(f)?.kind === 'dir') for (const name of tree.list(f) ?? []) files.push(`${f}/${name}`);
  }
  return out.map((f) => f.slice(1));
}

/** The paths of `entries` that FILES-style `patterns` select (CONFFILES uses it on one package's members). */
export function matchFiles(patterns: readonly string[], entries: readonly TreeEntry[]): string[] {
  return expandFiles(patterns, new TreeIndex(entries), () => undefined);
}

export function populate(entries: readonly TreeEntry[], packages: readonly string[], filesOf: (pkg: string) => readonly string[], warn: (m: string) => void, autodebug = true): PopulateResult {
  const tree = new TreeIndex(entries);
  const order = packageOrder(packages, autodebug);
  const debug = autodebug ? entries.filter((e) => /\/\.debug(-static)?(\/|$)/.test(e.path)).map((e) => e.path) : [];
  const seen = new Set<string>();
  const result = new Map<string, readonly string[]>();
  for (const pkg of order) {
    const held = new Set<string>();
    const mkdirs = (path: string): void => {
      if (held.has(path)) return;
      let p = '';
      for (const part of path.split('/').slice(1)) {
        p += `/${part}`;
        if (!held.has(p)) {
          held.add(p);
          seen.add(p);
        }
      }
    };
    const files = expandFiles(filesOf(pkg), tree, warn);
    if (autodebug && pkg.endsWith('-dbg')) files.push(...debug);
    for (const file of files) {
      const entry = tree.get(file);
      if (!entry || seen.has(file)) continue;
      seen.add(file);
      if (entry.kind === 'dir') {
        mkdirs(file);
        continue;
      }
      const slash = file.lastIndexOf('/');
      if (slash > 0) mkdirs(file.slice(0, slash));
      held.add(file);
    }
    result.set(pkg, [...held].sort(byteOrder));
  }
  const unshipped = entries.filter((e) => !seen.has(e.path)).map((e) => e.path);
  return { packages: result, unshipped, order };
}

/**
 * The directories whose whole subtree (the directory and everything below it) belongs to one
 * package and to no other, by path: such a directory can move into that package in one
 * rename. `entries` in tree order (parents first).
 */
export function wholeDirs(entries: readonly TreeEntry[], packages: ReadonlyMap<string, readonly string[]>): Map<string, string> {
  const holders = new Map<string, string | null>();
  for (const [pkg, paths] of packages) for (const p of paths) holders.set(p, holders.has(p) ? null : pkg);
  // Children before parents: each entry folds its owner (null: mixed or unowned) into its parent's.
  const below = new Map<string, string | null>();
  const out = new Map<string, string>();
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i];
    if (!e) continue;
    let owner = holders.get(e.path) ?? null;
    if (e.kind === 'dir' && below.has(e.path)) owner = below.get(e.path) === owner ? owner : null;
    if (e.kind === 'dir' && owner !== null) out.set(e.path, owner);
    const parent = e.path.slice(0, e.path.lastIndexOf('/'));
    below.set(parent, below.has(parent) && below.get(parent) !== owner ? null : owner);
  }
  return out;
}
