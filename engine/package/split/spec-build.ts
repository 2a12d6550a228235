/**
 * One package's PackageSpec from what do_package decided (its paths in the split tree) and the
 * recipe's per-package variables, read as oe-core reads them: `VAR:<pkg>` first, then `VAR`.
 */
import type { PackageFile, PackageRelations, PackageScripts, PackageSpec, Relation } from '../model/spec.js';
import { mergeRelations, parseRelations } from '../model/relations.js';
import { completeScript, SCRIPT_NAMES, withOntarget } from '../model/scripts.js';
import type { TreeEntry } from './tree.js';

/** An expanded variable, or undefined when unset. */
export type Lookup = (name: string) => string | undefined;

/** `VAR:<pkg>`, else `VAR`. */
export const pkgVar = (lookup: Lookup, name: string, pkg: string): string | undefined => lookup(`${name}:${pkg}`) ?? lookup(name);

const RELATION_VARS: ReadonlyArray<readonly [keyof PackageRelations, string]> = [
  ['depends', 'RDEPENDS'],
  ['recommends', 'RRECOMMENDS'],
  ['suggests', 'RSUGGESTS'],
  ['provides', 'RPROVIDES'],
  ['conflicts', 'RCONFLICTS'],
  ['replaces', 'RREPLACES'],
];

/** Uid/gid names: root for 0, else the number (the target's passwd is not known here). */
const ownerName = (id: number): string => (id === 0 ? 'root' : String(id));

/** The package's members: hard links within the package point at the first path (byte order) of their inode. */
export function packageFiles(paths: readonly string[], tree: ReadonlyMap<string, TreeEntry>): PackageFile[] {
  const firstOfInode = new Map<number, string>();
  const out: PackageFile[] = [];
  for (const path of paths) {
    const e = tree.get(path);
    if (!e || e.kind === 'other') continue;
    const base = { path, mode: e.mode, uid: e.uid, gid: e.gid, user: ownerName(e.uid), group: ownerName(e.gid) };
    if (e.kind === 'dir') out.push({ ...base, kind: 'dir', size: 0 });
    else if (e.kind === 'symlink') out.push({ ...base, kind: 'symlink', size: 0, target: e.target ?? '' });
    else {
      const first = e.nlink > 1 ? firstOfInode.get(e.ino) : undefined;
      if (first !== undefined) out.push({ ...base, kind: 'hardlink', size: 0, target: first });
      else {
        if (e.nlink > 1) firstOfInode.set(e.ino, path);
        out.push({ ...base, kind: 'file', size: e.size });
      }
    }
  }
  return out;
}

export interface SpecInput {
  readonly pkg: string;
  readonly pn: string;
  readonly lookup: Lookup;
  readonly files: readonly PackageFile[];
  /** Dependencies found in the files (shared libraries, pkg-config). */
  readonly autoDepends: readonly Relation[];
  /** Recommendations of the dependency chains (depchains.ts). */
  readonly autoRecommends: readonly Relation[];
  /** CONFFILES matched against the package's regular files. */
  readonly conffiles: readonly string[];
  readonly sourceDateEpoch: number;
  /** Packages of this recipe that are not written: dependencies on them are dropped. */
  readonly unwritten: ReadonlySet<string>;
}

export function buildScripts(lookup: Lookup, pkg: string): PackageScripts {
  const scripts: { -readonly [K in keyof PackageScripts]: string } = {};
  for (const name of SCRIPT_NAMES) {
    let body = pkgVar(lookup, `pkg_${name}`, pkg) ?? '';
    if (name === 'postinst') {
      const ontarget = pkgVar(lookup, 'pkg_postinst_ontarget', pkg);
      if (ontarget?.trim()) body = withOntarget(body, ontarget, pkg);
    }
    if (body.trim()) scripts[name] = completeScript(body);
  }
  return scripts;
}

export function buildSpec(input: SpecInput): PackageSpec {
  const { pkg, lookup } = input;
  const v = (name: string): string => pkgVar(lookup, name, pkg) ?? '';
  const rel = (name: string): Relation[] => parseRelations(v(name));
  const keep = (rs: readonly Relation[]): Relation[] => rs.filter((r) => r.name !== pkg && !input.unwritten.has(r.name));
  const relations: Record<keyof PackageRelations, readonly Relation[]> = { depends: [], recommends: [], suggests: [], provides: [], conflicts: [], replaces: [] };
  for (const [key, name] of RELATION_VARS) relations[key] = key === 'provides' || key === 'conflicts' || key === 'replaces' ? rel(name) : keep(rel(name));
  relations.depends = keep(mergeRelations(relations.depends, input.autoDepends));
  relations.recommends = keep(mergeRelations(relations.recommends, input.autoRecommends));
  // A hard link's size is 0: each inode counts once, as in oe-core's PKGSIZE.
  const installedSize = input.files.reduce((sum, f) => sum + (f.kind === 'file' ? f.size : 0), 0);
  return {
    name: pkg,
    recipe: input.pn,
    version: { epoch: v('PKGE'), version: v('PKGV'), release: v('PKGR') },
    arch: v('PACKAGE_ARCH'),
    summary: v('SUMMARY'),
    description: v('DESCRIPTION'),
    section: v('SECTION'),
    priority: v('PRIORITY'),
    license: v('LICENSE'),
    homepage: v('HOMEPAGE'),
    maintainer: v('MAINTAINER'),
    relations,
    scripts: buildScripts(lookup, pkg),
    conffiles: input.conffiles,
    files: input.files,
    installedSize,
    sourceDateEpoch: input.sourceDateEpoch,
  };
}
