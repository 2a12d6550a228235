/**
 * Package data (`${PKGDATA_DIR}`, written by `do_packagedata`): what the image and the feeds
 * know about packages without ever opening a recipe again. This module only names the files
 * and their contents; package/split writes them, rootfs and feed read them.
 *
 *   ${PKGDATA_DIR}/<PN>.json                       RecipePkgdata
 *   ${PKGDATA_DIR}/runtime/<pkg>.json              the package's PackageSpec (after splitting,
 *                                                  shlib and pkg-config dependencies included)
 *   ${PKGDATA_DIR}/runtime-reverse/<pkg>           → `../runtime/<pkg>.json` (a package name)
 *   ${PKGDATA_DIR}/runtime-rprovides/<name>/<pkg>  empty file: <pkg> RPROVIDES <name>
 *   ${PKGDATA_DIR}/shlibs2/<PN>.list               `soname:package:version` lines
 *   ${PKGDATA_DIR}/pkgconfig/<PN>.list             `module:package` lines (the .pc files shipped)
 */
import { join } from 'node:path';

export interface RecipePkgdata {
  readonly pn: string;
  readonly pe: string;
  readonly pv: string;
  readonly pr: string;
  /** Every entry of PACKAGES, in order, and which of them produced a package (ALLOW_EMPTY or files). */
  readonly packages: readonly string[];
  readonly written: readonly string[];
}

export interface ShlibProvider {
  readonly soname: string;
  readonly pkg: string;
  readonly version: string;
}

export const pkgdataPaths = (dir: string) => ({
  recipe: (pn: string): string => join(dir, `${pn}.json`),
  runtime: (pkg: string): string => join(dir, 'runtime', `${pkg}.json`),
  runtimeReverse: (pkg: string): string => join(dir, 'runtime-reverse', pkg),
  rprovides: (name: string): string => join(dir, 'runtime-rprovides', name),
  shlibs: (pn: string): string => join(dir, 'shlibs2', `${pn}.list`),
  pkgconfig: (pn: string): string => join(dir, 'pkgconfig', `${pn}.list`),
});
