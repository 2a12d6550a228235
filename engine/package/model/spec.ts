/**
 * The one package model (ARCHITECTURE.md §3.1): what `do_package` decides about a package,
 * with no format in it. `do_package` writes one `<pkg>.spec.json` per package beside the
 * package's payload directory (`${PKGDEST}/<pkg>/`); each `do_package_write_<fmt>` reads it
 * and renders it its own way (arch names, version syntax, relation operators, scripts).
 */

/** A version as BitBake splits it: PKGE (may be empty), PKGV, PKGR. */
export interface PackageVersion {
  readonly epoch: string;
  readonly version: string;
  readonly release: string;
}

/** BitBake's operators (bb.utils.explode_dep_versions2), `<<`/`>>` normalised to `<`/`>`. */
export type RelationOp = '<' | '<=' | '=' | '>=' | '>';

/** One runtime name with an optional version constraint: `libfoo1 (>= 1.2)`. */
export interface Relation {
  readonly name: string;
  readonly constraint?: { readonly op: RelationOp; readonly version: string };
}

export interface PackageRelations {
  readonly depends: readonly Relation[];
  readonly recommends: readonly Relation[];
  readonly suggests: readonly Relation[];
  readonly provides: readonly Relation[];
  readonly conflicts: readonly Relation[];
  readonly replaces: readonly Relation[];
}

/** Maintainer scripts, each a complete shell script (`#!/bin/sh` line and `set -e` included). */
export interface PackageScripts {
  readonly preinst?: string;
  readonly postinst?: string;
  readonly prerm?: string;
  readonly postrm?: string;
}

export type FileKind = 'file' | 'dir' | 'symlink' | 'hardlink';

/** A payload member. Paths are absolute in the target (`/usr/bin/hello`), sorted byte-wise. */
export interface PackageFile {
  readonly path: string;
  readonly kind: FileKind;
  /** Permission bits (and setuid/setgid/sticky), without the type bits. */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly user: string;
  readonly group: string;
  /** Bytes of a regular file; 0 for the rest. */
  readonly size: number;
  /** A symlink's target as written, or for a hardlink the path of the first member with that inode. */
  readonly target?: string;
  /** A regular file's md5, hex (a .deb's md5sums): do_package takes it. */
  readonly md5?: string;
}

export interface PackageSpec {
  /** The package name (PKG): what other packages depend on. */
  readonly name: string;
  /** The recipe (PN) it came from. */
  readonly recipe: string;
  readonly version: PackageVersion;
  /** PACKAGE_ARCH as tsbake spells it (`core2-64`, `x86_64`, `qemux86_64`, `all`); writers map it. */
  readonly arch: string;
  readonly summary: string;
  readonly description: string;
  readonly section: string;
  readonly priority: string;
  readonly license: string;
  readonly homepage: string;
  readonly maintainer: string;
  readonly relations: PackageRelations;
  readonly scripts: PackageScripts;
  /** CONFFILES:<pkg>: absolute paths of regular files in `files`. */
  readonly conffiles: readonly string[];
  readonly files: readonly PackageFile[];
  /** Sum of the regular files' sizes, in bytes. */
  readonly installedSize: number;
  /** Seconds since the epoch that every mtime is clamped to (SOURCE_DATE_EPOCH). */
  readonly sourceDateEpoch: number;
}
