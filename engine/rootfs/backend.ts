/**
 * What the install engine needs from a package format: reading a package file, unpacking it,
 * and recording the result in the format's own package database.
 */
import type { ScriptName } from '../package/model/scripts.js';
import type { PackageSpec } from '../package/model/spec.js';
import type { OverwriteCheck, UnpackedEntry } from './unpack.js';

export type RootfsFormat = 'deb' | 'ipk' | 'rpm';

/** dpkg's and opkg's states: `unpacked` until the postinst has run. */
export type PackageState = 'installed' | 'unpacked';

export type MaintainerScript = ScriptName;

export interface OpenedPackage {
  readonly spec: PackageSpec;
  readonly file: string;
  /** As the format spells them (the manifest uses them). */
  readonly arch: string;
  readonly version: string;
  readonly scripts: Partial<Readonly<Record<MaintainerScript, string>>>;
}

export interface InstalledPackage {
  readonly opened: OpenedPackage;
  readonly entries: readonly UnpackedEntry[];
  readonly state: PackageState;
  /** IMAGE_INSTALL named it (opkg's "user" flag). */
  readonly requested: boolean;
}

export interface RootfsBackend {
  readonly format: RootfsFormat;
  /** The arguments the format's package manager gives the scripts on a first install. */
  readonly scriptArgs: Readonly<Record<'preinst' | 'postinst', readonly string[]>>;
  /** Directories (absolute in the target) of the package database, removed without package-management. */
  readonly dataDirs: readonly string[];
  open(spec: PackageSpec, file: string): Promise<OpenedPackage>;
  unpack(pkg: OpenedPackage, check: OverwriteCheck): Promise<readonly UnpackedEntry[]>;
  /** Writes the database with every package, in install order. */
  commit(packages: readonly InstalledPackage[]): Promise<void>;
}
