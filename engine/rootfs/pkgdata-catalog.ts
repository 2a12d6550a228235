/**
 * The PackageCatalog of a build: package data in ${PKGDATA_DIR} (package/model/pkgdata.ts),
 * read lazily, so an image reads only the packages it may install.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { TsbakeError } from '../core/errors.js';
import { pkgdataPaths } from '../package/model/pkgdata.js';
import type { PackageSpec } from '../package/model/spec.js';
import type { PackageCatalog } from './closure.js';

export class PkgdataError extends TsbakeError {
  readonly code = 'E_PKGDATA';
}

function isSpec(v: unknown): v is PackageSpec {
  return typeof v === 'object' && v !== null && typeof (v as { name?: unknown }).name === 'string' && typeof (v as { relations?: unknown }).relations === 'object';
}

export function pkgdataCatalog(dir: string): PackageCatalog {
  const paths = pkgdataPaths(dir);
  const cache = new Map<string, PackageSpec | undefined>();
  const get = (name: string): PackageSpec | undefined => {
    if (cache.has(name)) return cache.get(name);
    const file = [paths.runtimeReverse(name), paths.runtime(name)].find(existsSync);
    let spec: PackageSpec | undefined;
    if (file) {
      const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (!isSpec(parsed)) throw new PkgdataError(`${file}: not a package description`);
      spec = parsed;
    }
    cache.set(name, spec);
    return spec;
  };
  return {
    get,
    providers: (name) => {
      const d = paths.rprovides(name);
      return existsSync(d) ? readdirSync(d).sort() : [];
    },
  };
}
