/**
 * Build directories for packaging tests: the test's own layer (recipes/<name>.bb and files),
 * with tsbake's conf/bitbake.conf and the bundled classes (base.bbclass inherits package), so
 * do_package runs with the real defaults.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PACKAGE_ROOT } from '../../../engine/core/package-root.js';
import type { PackageSpec } from '../../../engine/package/model/spec.js';
import { LAYER_CONF } from '../../run/run-layer.js';

const BBLAYERS = (root: string): string => `BBPATH = "\${TOPDIR}:${root}:${root}/recipes"\nBBFILES ?= ""\nBBLAYERS = "\${TOPDIR}"\n`;

/** A build directory that is its own layer; `recipes` maps `name_1.0` (PV 1.0, PR r0) to the recipe text. */
export function packageLayer(recipes: Readonly<Record<string, string>>, extra: Readonly<Record<string, string>> = {}, at?: string): string {
  const files: Record<string, string> = { 'conf/bblayers.conf': BBLAYERS(PACKAGE_ROOT), 'conf/layer.conf': LAYER_CONF, 'conf/local.conf': 'BB_NUMBER_THREADS = "2"\n', ...extra };
  for (const [name, text] of Object.entries(recipes)) files[`recipes/${name}.bb`] = text;
  const dir = at ?? mkdtempSync(join(tmpdir(), 'tsbake-pkg-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

/** `${WORKDIR}` of a target recipe (TUNE_PKGARCH core2-64, PV-PR from the name). */
export const workdir = (dir: string, pn: string, pvr = '1.0-r0'): string => join(dir, 'tmp/work/core2-64', pn, pvr);

export const pkgdest = (dir: string, pn: string): string => join(workdir(dir, pn), 'packages-split');

export function readSpec(dir: string, pn: string, pkg: string): PackageSpec {
  return JSON.parse(readFileSync(join(pkgdest(dir, pn), `${pkg}.spec.json`), 'utf8')) as PackageSpec;
}

/** A recipe from tests/fixtures/package/. */
export const fixture = (name: string): string => readFileSync(join(PACKAGE_ROOT, 'tests/fixtures/package', name), 'utf8');

export const paths = (spec: PackageSpec): string[] => spec.files.map((f) => f.path);
