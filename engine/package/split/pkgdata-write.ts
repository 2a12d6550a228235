/**
 * Writes one recipe's package data in the layout of model/pkgdata.ts, into `${PKGDESTWORK}`;
 * do_packagedata stages it and shared state installs it into `${PKGDATA_DIR}`.
 */
import { mkdirSync, symlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../../core/fs.js';
import { pkgdataPaths, type RecipePkgdata, type ShlibProvider } from '../model/pkgdata.js';
import type { PackageSpec } from '../model/spec.js';
import { formatPkgconfigList, type PkgconfigProvider } from './pkgconfig.js';
import { formatShlibList } from './shlibs.js';

export interface RecipePackageData {
  readonly recipe: RecipePkgdata;
  readonly specs: readonly PackageSpec[];
  readonly shlibs: readonly ShlibProvider[];
  readonly pkgconfig: readonly PkgconfigProvider[];
}

export const specJson = (spec: PackageSpec): string => `${JSON.stringify(spec, null, 1)}\n`;

export function writePkgdata(dir: string, data: RecipePackageData): void {
  const paths = pkgdataPaths(dir);
  writeFileAtomic(paths.recipe(data.recipe.pn), `${JSON.stringify(data.recipe, null, 1)}\n`);
  for (const spec of data.specs) {
    writeFileAtomic(paths.runtime(spec.name), specJson(spec));
    const reverse = paths.runtimeReverse(spec.name);
    mkdirSync(dirname(reverse), { recursive: true });
    symlinkSync(`../runtime/${spec.name}.json`, reverse);
    for (const p of spec.relations.provides) {
      const marker = `${paths.rprovides(p.name)}/${spec.name}`;
      writeFileAtomic(marker, '');
    }
  }
  if (data.shlibs.length) writeFileAtomic(paths.shlibs(data.recipe.pn), formatShlibList(data.shlibs));
  if (data.pkgconfig.length) writeFileAtomic(paths.pkgconfig(data.recipe.pn), formatPkgconfigList(data.pkgconfig));
}
