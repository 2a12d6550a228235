/**
 * PKGE/PKGV/PKGR rendered for each package manager. dpkg and opkg read one string,
 * `[epoch:]upstream-revision`; rpm keeps Epoch, Version and Release apart and refuses `-`
 * inside Version and Release, which oe-core maps to `+` (`+` sorts like `-` against digits
 * and letters in rpmvercmp, so the order is kept).
 */
import type { PackageVersion } from './spec.js';

/** Whether PKGE is set to something other than 0 (oe-core writes no epoch for 0). */
const hasEpoch = (v: PackageVersion): boolean => v.epoch !== '' && Number.parseInt(v.epoch, 10) > 0;

/** dpkg/opkg `Version:`: `[PKGE:]PKGV-PKGR`. */
export function debianVersion(v: PackageVersion): string {
  return `${hasEpoch(v) ? `${v.epoch}:` : ''}${v.version}-${v.release}`;
}

/** The version in file names: PKGV-PKGR, without the epoch (dpkg-deb, opkg-build). */
export function fileVersion(v: PackageVersion): string {
  return `${v.version}-${v.release}`;
}

export interface RpmEvr {
  readonly epoch?: number;
  readonly version: string;
  readonly release: string;
}

const rpmSafe = (s: string): string => s.replaceAll('-', '+');

export function rpmEvr(v: PackageVersion): RpmEvr {
  const base = { version: rpmSafe(v.version), release: rpmSafe(v.release) };
  return hasEpoch(v) ? { ...base, epoch: Number.parseInt(v.epoch, 10) } : base;
}

/** `E:V-R` as rpm prints it (the epoch only when there is one). */
export function formatEvr(evr: RpmEvr): string {
  return `${evr.epoch === undefined ? '' : `${evr.epoch}:`}${evr.version}-${evr.release}`;
}
