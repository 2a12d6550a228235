/**
 * The dependencies do_package finds in the files: shared libraries (shlibs.ts) and pkg-config
 * modules (pkgconfig.ts). This recipe's providers come first, then every other recipe's from
 * `${PKGDATA_DIR}` (their own older lists left out).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ShlibProvider } from '../model/pkgdata.js';
import type { PackageFile, Relation } from '../model/spec.js';
import type { ElfInfo } from './elf.js';
import { parsePkgconfigList, pcModule, pcRequires, pkgconfigDepends, type PkgconfigProvider } from './pkgconfig.js';
import { assumedShlibs, parseShlibList, shlibDepends, shlibProviders, type ShlibPackage } from './shlibs.js';
import { pkgVar, type Lookup } from './spec-build.js';

export interface AutoDependsInput {
  /** PACKAGES in processing order. */
  readonly order: readonly string[];
  readonly filesByPkg: ReadonlyMap<string, readonly PackageFile[]>;
  readonly elves: ReadonlyMap<string, ElfInfo>;
  readonly lookup: Lookup;
  readonly pkgdataDir: string;
  readonly pn: string;
  readonly file: string;
  /** ${PKGDEST}: the `.pc` files are read from the split packages. */
  readonly pkgdest: string;
  readonly note: (line: string) => void;
}

export interface AutoDepends {
  /** The dependencies of the package at `index` of `order`. */
  of(pkg: string, index: number): Relation[];
  readonly shlibs: readonly ShlibProvider[];
  readonly pkgconfig: readonly PkgconfigProvider[];
}

const words = (s: string | undefined): string[] => (s ?? '').split(/\s+/).filter((w) => w !== '');

function otherLists<T>(dir: string, pn: string, parse: (text: string) => T[]): T[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n.endsWith('.list') && n !== `${pn}.list`)
    .sort()
    .flatMap((n) => parse(readFileSync(join(dir, n), 'utf8')));
}

export function autoDepends(input: AutoDependsInput): AutoDepends {
  const { lookup, order, filesByPkg } = input;
  const shlibPkgs: ShlibPackage[] = order.map((pkg) => ({
    pkg,
    version: pkgVar(lookup, 'PKGV', pkg) ?? '',
    files: (filesByPkg.get(pkg) ?? []).flatMap((f) => {
      const elf = f.kind === 'file' || f.kind === 'hardlink' ? input.elves.get(f.path) : undefined;
      return elf ? [[f.path, elf] as const] : [];
    }),
    privateLibs: words(pkgVar(lookup, 'PRIVATE_LIBS', pkg)),
  }));
  const shlibs = shlibProviders(shlibPkgs);
  const knownShlibs = [...shlibs, ...otherLists(join(input.pkgdataDir, 'shlibs2'), input.pn, parseShlibList)];
  const assumed = assumedShlibs(lookup('ASSUME_SHLIBS') ?? '');
  const pkgconfig: PkgconfigProvider[] = order.flatMap((pkg) =>
    (filesByPkg.get(pkg) ?? []).flatMap((f) => {
      const module = f.kind === 'file' ? pcModule(f.path) : undefined;
      return module ? [{ module, pkg }] : [];
    }),
  );
  const knownPc = [...pkgconfig, ...otherLists(join(input.pkgdataDir, 'pkgconfig'), input.pn, parsePkgconfigList)];
  return {
    shlibs,
    pkgconfig,
    of(pkg, index) {
      const shlibPkg = shlibPkgs[index];
      const out: Relation[] = shlibPkg ? shlibDepends(shlibPkg, knownShlibs, assumed, { file: input.file }, input.note) : [];
      for (const f of filesByPkg.get(pkg) ?? []) {
        if (f.kind !== 'file' || !f.path.endsWith('.pc')) continue;
        const requires = pcRequires(readFileSync(join(input.pkgdest, pkg, f.path), 'utf8'));
        for (const dep of pkgconfigDepends(pkg, requires, knownPc, input.note)) out.push({ name: dep });
      }
      return out;
    },
  };
}
