/**
 * Shared-library dependencies (oe-core's package_do_shlibs): which package provides each
 * soname (DT_SONAME of the libraries it ships, minus PRIVATE_LIBS), and for each package the
 * providers of the sonames its binaries need (DT_NEEDED) as `provider (>= PKGV)`. Other
 * recipes' providers come from `${PKGDATA_DIR}/shlibs2/`; ASSUME_SHLIBS adds assumed ones.
 * Two packages providing one needed soname is an error naming both.
 */
import { TsbakeError } from '../../core/errors.js';
import type { Relation } from '../model/spec.js';
import type { ShlibProvider } from '../model/pkgdata.js';
import type { ElfInfo } from './elf.js';
import { fnmatch } from './fnmatch.js';

export class ShlibProviderError extends TsbakeError {
  readonly code = 'E_SHLIB_PROVIDERS';
}

export const isPrivate = (soname: string, privateLibs: readonly string[]): boolean => privateLibs.some((p) => fnmatch(soname, p));

export interface ShlibPackage {
  readonly pkg: string;
  readonly version: string;
  /** The package's regular files (paths), with their ELF facts. */
  readonly files: ReadonlyArray<readonly [path: string, elf: ElfInfo]>;
  readonly privateLibs: readonly string[];
}

/** The sonames the recipe's packages provide, sorted by soname then package. */
export function shlibProviders(packages: readonly ShlibPackage[]): ShlibProvider[] {
  const out: ShlibProvider[] = [];
  for (const p of packages) {
    const seen = new Set<string>();
    for (const [path, elf] of p.files) {
      if (!elf.soname || path.includes('/.debug/') || seen.has(elf.soname) || isPrivate(elf.soname, p.privateLibs)) continue;
      seen.add(elf.soname);
      out.push({ soname: elf.soname, pkg: p.pkg, version: p.version });
    }
  }
  return out.sort((a, b) => (a.soname < b.soname ? -1 : a.soname > b.soname ? 1 : a.pkg < b.pkg ? -1 : a.pkg > b.pkg ? 1 : 0));
}

/** `soname:pkg:version` lines (the shlibs2 list format) and back. */
export const formatShlibList = (providers: readonly ShlibProvider[]): string => providers.map((p) => `${p.soname}:${p.pkg}:${p.version}\n`).join('');

export function parseShlibList(text: string): ShlibProvider[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [soname = '', pkg = '', version = ''] = l.trim().split(':');
      return { soname, pkg, version };
    });
}

/** ASSUME_SHLIBS entries `soname:package[_version]`. */
export function assumedShlibs(value: string): ShlibProvider[] {
  return value
    .split(/\s+/)
    .filter((e) => e.includes(':'))
    .map((e) => {
      const [soname = '', rest = ''] = e.split(':', 2);
      const cut = rest.lastIndexOf('_');
      return cut > 0 ? { soname, pkg: rest.slice(0, cut), version: rest.slice(cut + 1) } : { soname, pkg: rest, version: '' };
    });
}

/**
 * The runtime dependencies of one package's binaries. `known` holds every provider (this
 * recipe's and the others'); `assumed` wins over it. Unknown sonames are reported to `note`.
 */
export function shlibDepends(
  pkg: ShlibPackage,
  known: readonly ShlibProvider[],
  assumed: readonly ShlibProvider[],
  where: { readonly file: string },
  note: (m: string) => void,
): Relation[] {
  const bySoname = new Map<string, ShlibProvider[]>();
  for (const p of known) {
    const list = bySoname.get(p.soname) ?? [];
    if (!list.some((x) => x.pkg === p.pkg)) list.push(p);
    bySoname.set(p.soname, list);
  }
  for (const p of assumed) bySoname.set(p.soname, [p]);
  const deps = new Map<string, Relation>();
  const needed = new Map<string, string>();
  for (const [path, elf] of pkg.files) for (const soname of elf.needed) if (!needed.has(soname)) needed.set(soname, path);
  for (const [soname, file] of [...needed].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (isPrivate(soname, pkg.privateLibs)) continue;
    const providers = bySoname.get(soname) ?? [];
    if (providers.length > 1) {
      const names = providers.map((p) => p.pkg).sort();
      throw new ShlibProviderError(`${pkg.pkg}: multiple shlib providers for ${soname}: ${names.join(', ')} (used by files: ${file})`, { file: where.file, line: 0 }, 'set PRIVATE_LIBS in one of the recipes, or ASSUME_SHLIBS to choose the provider');
    }
    const provider = providers[0];
    if (!provider) {
      note(`NOTE: ${pkg.pkg}: couldn't find shared library provider for ${soname}, used by files: ${file}`);
      continue;
    }
    if (provider.pkg === pkg.pkg) continue;
    const rel: Relation = provider.version ? { name: provider.pkg, constraint: { op: '>=', version: provider.version } } : { name: provider.pkg };
    deps.set(provider.pkg, rel);
  }
  return [...deps.values()];
}
