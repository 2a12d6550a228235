/**
 * Shallow git mirrors (BB_GIT_SHALLOW = "1"), the settings and names as BitBake reads them:
 * a `gitshallow_<name>_..._<rev>-<depth>_<refs>.tar.gz` holds a clone cut off `depth`
 * commits below the revision (BB_GIT_SHALLOW_DEPTH, per entry BB_GIT_SHALLOW_DEPTH_<name>,
 * default 1) or at BB_GIT_SHALLOW_REVS (with depth 0), plus BB_GIT_SHALLOW_EXTRA_REFS (and a
 * `tag=`) one commit deep. Depth 0 without revs turns shallow off for the entry. Pure.
 */
import { FetchError } from './errors.js';
import { uriName, type SrcUri } from './src-uri.js';

export interface ShallowSpec {
  readonly depth: number;
  /** Commits the history stops at (`--shallow-exclude`). */
  readonly revs: readonly string[];
  readonly extraRefs: readonly string[];
}

/** A variable's value, undefined when it is not set. */
export type Lookup = (name: string) => string | undefined;

/** A depth setting as Python's int() reads it: unset is undefined, empty is 0, negative or not a number an error. */
function depthSetting(get: Lookup, name: string): number | undefined {
  const value = get(name);
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return 0;
  if (!/^[+-]?\d+$/.test(text) || Number(text) < 0) throw new FetchError(`invalid depth for ${name}: ${value}`, undefined, 'use a whole number of commits, 0 or more');
  return Number(text);
}

const words = (value: string | undefined): string[] => (value ?? '').split(/\s+/).filter((w) => w !== '');

/** How entry `u` is made shallow, or undefined when it is not. */
export function shallowSpec(u: SrcUri, get: Lookup): ShallowSpec | undefined {
  if (get('BB_GIT_SHALLOW') !== '1') return undefined;
  const name = uriName(u);
  const fallback = depthSetting(get, 'BB_GIT_SHALLOW_DEPTH') ?? 1;
  const depth = depthSetting(get, `BB_GIT_SHALLOW_DEPTH_${name}`) ?? fallback;
  const revs = words(get(`BB_GIT_SHALLOW_REVS_${name}`) ?? get('BB_GIT_SHALLOW_REVS'));
  const tag = u.params.get('tag');
  const extraRefs = [...words(get('BB_GIT_SHALLOW_EXTRA_REFS')), ...(tag === undefined ? [] : [`refs/tags/${tag}`])];
  if (depth === 0 && revs.length === 0) return undefined;
  return { depth, revs, extraRefs };
}

export interface ShallowNaming {
  readonly uri: SrcUri;
  readonly srcName: string;
  readonly branch: string;
  readonly nobranch: boolean;
}

/** The tarball's name in DL_DIR (and on mirrors) for commit `rev`. */
export function shallowTarballName(src: ShallowNaming, spec: ShallowSpec, rev: string): string {
  let name = src.srcName;
  if (src.uri.params.get('bareclone') === '1') name += '_bare';
  if (spec.revs.length) name += `_${[...spec.revs].sort().join('_')}`;
  name += `_${rev.slice(0, 7)}`;
  if (spec.depth) name += `-${spec.depth}`;
  const refs = [...(src.nobranch ? [] : [src.branch]), ...spec.extraRefs.map((r) => r.replaceAll('refs/heads/', '').replaceAll('*', 'ALL'))];
  if (refs.length) name += `_${refs.sort().join('_').replaceAll('/', '.')}`;
  return `${src.uri.type}shallow_${name}.tar.gz`;
}

/** fnmatch's `*` and `?` (no classes): whether `ref` matches an extra-ref pattern. */
export function refMatches(pattern: string, ref: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.');
  return new RegExp(`^${re}$`, 's').test(ref);
}
