/**
 * do_package as a TypeScript builtin: copy ${D} to ${PKGD} (hard links and holes kept), run
 * the recipe's PACKAGESPLITFUNCS, strip and split debug info, divide ${PKGD} into packages
 * (${PKGDEST}/<pkg>/), work out shared-library and pkg-config dependencies, run the QA checks,
 * and write each package's `<pkg>.spec.json` and the recipe's package data (${PKGDESTWORK}).
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { TsbakeError } from '../../core/errors.js';
import { writeFileAtomic } from '../../core/fs.js';
import { asText, type DataStore } from '../../metadata/datastore.js';
import type { BuiltinContext } from '../../run/builtin.js';
import type { ShlibProvider } from '../model/pkgdata.js';
import type { PackageFile, PackageSpec, Relation } from '../model/spec.js';
import { scanElf, splitDebugInfo } from './debug-split.js';
import { readFakerootState } from './fakeroot-state.js';
import { runHostTool } from './host-tool.js';
import { parsePkgconfigList, pcModule, pcRequires, pkgconfigDepends, type PkgconfigProvider } from './pkgconfig.js';
import { specJson, writePkgdata } from './pkgdata-write.js';
import { splitLocales } from './locales.js';
import { matchFiles, populate } from './populate.js';
import { expandedD, installedVsShipped, legacyScriptNames, PackageQaError, reportQa, type QaFinding } from './qa.js';
import { absolutePathWrites } from './script-abs-path.js';
import { assumedShlibs, parseShlibList, shlibDepends, shlibProviders, type ShlibPackage } from './shlibs.js';
import { sourceDateEpoch } from './source-date-epoch.js';
import { buildSpec, packageFiles, pkgVar, type Lookup } from './spec-build.js';
import { fromFakeroot, ownersOf, walkTree, type TreeEntry } from './tree.js';

export class PackageSplitError extends TsbakeError {
  readonly code = 'E_PACKAGE_SPLIT';
}

const words = (s: string | undefined): string[] => (s ?? '').split(/\s+/).filter((w) => w !== '');
const truthy = (v: string | undefined): boolean => v !== undefined && v !== '' && !['0', 'no', 'n', 'false'].includes(v.toLowerCase());

/** The PACKAGESPLITFUNCS entry that divides ${PKGD} into packages. */
const POPULATE = 'populate_packages';
/** The locale split, done here; any other entry is one of the recipe's python functions. */
const SPLIT_LOCALES = 'package_do_split_locales';

export function lookupIn(store: DataStore): Lookup {
  return (name) => {
    const v = store.getVar(name);
    return v === undefined || v === null ? undefined : asText(v);
  };
}

function need(lookup: Lookup, name: string, file: string): string {
  const v = lookup(name);
  if (!v) throw new PackageSplitError(`${name} is not set`, { file, line: 0 }, 'inherit package (base.bbclass does) or set it in conf/bitbake.conf');
  return v;
}

/** Other recipes' provider lists in `${PKGDATA_DIR}/<sub>/` (this recipe's own older list left out). */
function otherLists<T>(dir: string, pn: string, parse: (text: string) => T[]): T[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n.endsWith('.list') && n !== `${pn}.list`)
    .sort()
    .flatMap((n) => parse(readFileSync(join(dir, n), 'utf8')));
}

/** Recreates a package's members under `${PKGDEST}/<pkg>/`: directories with their modes, symlinks as written, files moved out of ${PKGD} (so hard links keep the link counts they had in ${D}). */
function materialise(pkgd: string, dest: string, paths: readonly string[], tree: ReadonlyMap<string, TreeEntry>): void {
  mkdirSync(dest, { recursive: true });
  for (const path of paths) {
    const e = tree.get(path);
    if (!e) continue;
    const target = join(dest, path);
    if (e.kind === 'dir') {
      mkdirSync(target);
      chmodSync(target, e.mode);
    } else if (e.kind === 'symlink') symlinkSync(e.target ?? '', target);
    else renameSync(join(pkgd, path), target);
  }
}

/** CONFFILES:<pkg> (globs, directories) as the package's regular files, sorted. */
function conffilesOf(pkg: string, lookup: Lookup, files: readonly PackageFile[], tree: ReadonlyMap<string, TreeEntry>): string[] {
  const patterns = words(pkgVar(lookup, 'CONFFILES', pkg));
  if (!patterns.length) return [];
  const members = files.flatMap((f) => tree.get(f.path) ?? []);
  const regular = new Set(files.filter((f) => f.kind === 'file' || f.kind === 'hardlink').map((f) => f.path));
  return matchFiles(patterns, members).filter((p) => regular.has(p)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

function runSplitFunction(store: DataStore, fn: string, file: string): void {
  store.env.python.exec(store, `bb.build.exec_func(${JSON.stringify(fn)}, d)`, { file, line: 0 });
}

export async function doPackage(ctx: BuiltinContext): Promise<void> {
  const d = ctx.store.createCopy();
  const lookup = lookupIn(d);
  const file = ctx.node.recipe.file;
  const pn = need(lookup, 'PN', file);
  const D = need(lookup, 'D', file);
  const pkgd = need(lookup, 'PKGD', file);
  const pkgdest = need(lookup, 'PKGDEST', file);
  const pkgdestwork = need(lookup, 'PKGDESTWORK', file);
  const workdir = need(lookup, 'WORKDIR', file);
  const env = { ...ctx.env, PATH: lookup('PATH') ?? '/usr/bin:/bin' };

  const recipe = { pn, pe: lookup('PE') ?? '', pv: lookup('PV') ?? '', pr: lookup('PR') ?? '' };
  if (!words(lookup('PACKAGES')).length) {
    ctx.log(`NOTE: ${pn}: no packages to build (PACKAGES is empty), skipping the split`);
    writePkgdata(pkgdestwork, { recipe: { ...recipe, packages: [], written: [] }, specs: [], shlibs: [], pkgconfig: [] });
    return;
  }
  // ${D} as do_install left it: a copy in ${PKGD} has the same paths, sizes and link groups.
  const installed = existsSync(D) ? walkTree(D, fromFakeroot(readFakerootState(join(workdir, 'fakeroot.state')))) : [];
  const owners = ownersOf(installed);
  mkdirSync(pkgd, { recursive: true });
  if (existsSync(D)) await runHostTool('cp', ['-a', '--sparse=auto', `${D}/.`, `${pkgd}/`], env, ctx.signal);

  const splitFuncs = words(lookup('PACKAGESPLITFUNCS'));
  const at = splitFuncs.indexOf(POPULATE);
  const before = at < 0 ? splitFuncs : splitFuncs.slice(0, at);
  for (const fn of before) {
    if (fn === SPLIT_LOCALES) splitLocales(d, lookup, pkgd);
    else runSplitFunction(d, fn, file);
  }

  // The recipe's own functions may have changed ${PKGD}: then it is read again.
  let tree = before.some((fn) => fn !== SPLIT_LOCALES) ? walkTree(pkgd, owners) : installed;
  const elves = scanElf(pkgd, tree);
  const split = await splitDebugInfo(pkgd, tree, elves, {
    inhibitStrip: truthy(lookup('INHIBIT_PACKAGE_STRIP')),
    inhibitSplit: truthy(lookup('INHIBIT_PACKAGE_DEBUG_SPLIT')),
    objcopy: lookup('OBJCOPY') ?? 'objcopy',
    env,
    signal: ctx.signal,
  });
  if (split.processed > 0) tree = walkTree(pkgd, owners);
  const byPath = new Map(tree.map((e) => [e.path, e]));

  const packages = words(lookup('PACKAGES'));
  const filesOf = (pkg: string): string[] => words(lookup(`FILES:${pkg}`));
  const result = populate(tree, packages, filesOf, (m) => ctx.warn(`${pn}: ${m}`));
  for (const [pkg, paths] of result.packages) materialise(pkgd, join(pkgdest, pkg), paths, byPath);
  for (const fn of at < 0 ? [] : splitFuncs.slice(at + 1)) runSplitFunction(d, fn, file);

  const findings: QaFinding[] = [];
  if (result.unshipped.length) findings.push(installedVsShipped(file, pn, result.unshipped));

  const written = result.order.filter((pkg) => (result.packages.get(pkg)?.length ?? 0) > 0 || truthy(lookup(`ALLOW_EMPTY:${pkg}`)) || truthy(lookup('ALLOW_EMPTY')));
  const unwritten = new Set(result.order.filter((p) => !written.includes(p)));
  const filesByPkg = new Map(result.order.map((pkg) => [pkg, packageFiles(result.packages.get(pkg) ?? [], byPath)]));

  // Shared libraries and pkg-config modules: this recipe's providers, then everyone's.
  const pkgdataDir = need(lookup, 'PKGDATA_DIR', file);
  const shlibPkgs: ShlibPackage[] = result.order.map((pkg) => ({
    pkg,
    version: pkgVar(lookup, 'PKGV', pkg) ?? '',
    files: (filesByPkg.get(pkg) ?? []).flatMap((f) => {
      const elf = f.kind === 'file' || f.kind === 'hardlink' ? elves.get(f.path) : undefined;
      return elf ? [[f.path, elf] as const] : [];
    }),
    privateLibs: words(pkgVar(lookup, 'PRIVATE_LIBS', pkg)),
  }));
  const ownShlibs = shlibProviders(shlibPkgs);
  const knownShlibs: ShlibProvider[] = [...ownShlibs, ...otherLists(join(pkgdataDir, 'shlibs2'), pn, parseShlibList)];
  const assumed = assumedShlibs(lookup('ASSUME_SHLIBS') ?? '');
  const ownPc: PkgconfigProvider[] = result.order.flatMap((pkg) => (filesByPkg.get(pkg) ?? []).flatMap((f) => {
    const module = f.kind === 'file' ? pcModule(f.path) : undefined;
    return module ? [{ module, pkg }] : [];
  }));
  const knownPc = [...ownPc, ...otherLists(join(pkgdataDir, 'pkgconfig'), pn, parsePkgconfigList)];

  const dValue = D;
  const epoch = sourceDateEpoch(lookup);
  const specs: PackageSpec[] = [];
  for (const [i, pkg] of result.order.entries()) {
    const files = filesByPkg.get(pkg) ?? [];
    const shlibPkg = shlibPkgs[i];
    const autoDepends: Relation[] = shlibPkg ? shlibDepends(shlibPkg, knownShlibs, assumed, { file }, ctx.log) : [];
    for (const f of files) {
      if (f.kind !== 'file' || !f.path.endsWith('.pc')) continue;
      const requires = pcRequires(readFileSync(join(pkgdest, pkg, f.path), 'utf8'));
      for (const dep of pkgconfigDepends(pkg, requires, knownPc, ctx.log)) autoDepends.push({ name: dep });
    }
    for (const script of ['pkg_preinst', 'pkg_postinst', 'pkg_prerm', 'pkg_postrm', 'pkg_postinst_ontarget']) {
      const body = pkgVar(lookup, script, pkg);
      if (!body) continue;
      const expanded = expandedD(file, pkg, script, dValue, body);
      if (expanded) findings.push(expanded);
      if (script === 'pkg_postinst_ontarget') continue;
      for (const w of absolutePathWrites(body)) {
        findings.push({ check: 'script-abs-path', pkg, message: `${file}: ${pkg}: ${script}:${pkg} line ${w.line} writes to ${w.path} without $D, so installing the package into an image changes the build host: "${w.text}"; write to $D${w.path}, or do it only when $D is empty (if [ -z "$D" ]; then ...; fi)` });
      }
    }
    if (!written.includes(pkg)) continue;
    specs.push(buildSpec({ pkg, pn, lookup, files, autoDepends, conffiles: conffilesOf(pkg, lookup, files, byPath), sourceDateEpoch: epoch, unwritten }));
  }
  findings.push(...legacyScriptNames(file, d.keys(), result.order));

  const errors = reportQa(findings, {
    error: new Set(words(lookup('ERROR_QA'))),
    warn: new Set(words(lookup('WARN_QA'))),
    skip: (pkg) => new Set(words(lookup(`INSANE_SKIP:${pkg}`))),
  }, ctx.log, ctx.warn);
  if (errors.length) throw new PackageQaError(`QA run found fatal errors in ${pn}; see the messages above (${errors.length} error${errors.length > 1 ? 's' : ''})`, { file, line: 0 }, 'fix the recipe, or add the check to INSANE_SKIP:<package> if it does not apply');

  for (const spec of specs) writeFileAtomic(join(pkgdest, `${spec.name}.spec.json`), specJson(spec));
  writePkgdata(pkgdestwork, {
    recipe: { ...recipe, packages: result.order, written },
    specs,
    shlibs: ownShlibs.filter((p) => written.includes(p.pkg)),
    pkgconfig: ownPc.filter((p) => written.includes(p.pkg)),
  });
}
