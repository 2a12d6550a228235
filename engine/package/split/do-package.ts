/**
 * do_package as a TypeScript builtin: link ${D} into ${PKGD} (link-tree.ts), run
 * the recipe's PACKAGESPLITFUNCS, strip and split debug info, divide ${PKGD} into packages
 * (${PKGDEST}/<pkg>/), take each shipped file's md5, work out shared-library and pkg-config
 * dependencies, run the QA checks, and write each package's `<pkg>.spec.json` and the
 * recipe's package data (${PKGDESTWORK}).
 */
import { chmodSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { TsbakeError } from '../../core/errors.js';
import { writeFileAtomic } from '../../core/fs.js';
import { timed, timedAsync } from '../../core/timings.js';
import { asText, type DataStore } from '../../metadata/datastore.js';
import type { BuiltinContext } from '../../run/builtin.js';
import type { PackageFile, PackageSpec } from '../model/spec.js';
import { scanElf, splitDebugInfo } from './debug-split.js';
import { prefixMaps, shipDebugSources } from './debug-sources.js';
import type { ElfInfo } from './elf.js';
import { readFakerootState } from './fakeroot-state.js';
import { linkTree } from './link-tree.js';
import { autoDepends } from './auto-depends.js';
import { depchainRecommends } from './depchains.js';
import { fileMd5s, md5Ahead, stampedMd5, type Md5Stamps } from './file-md5.js';
import { parseRelations } from '../model/relations.js';
import { specJson, writePkgdata } from './pkgdata-write.js';
import { splitLocales } from './locales.js';
import { matchFiles, populate, wholeDirs } from './populate.js';
import { installedVsShipped, legacyScriptNames, PackageQaError, reportQa, scriptFindings, type QaFinding } from './qa.js';
import { sourceDateEpoch } from './source-date-epoch.js';
import { buildSpec, packageFiles, pkgVar, type Lookup } from './spec-build.js';
import { fromFakeroot, ownersOf, walkTree, type TreeEntry } from './tree.js';
import { byteCompare } from '../../core/byte-order.js';

export class PackageSplitError extends TsbakeError {
  readonly code = 'E_PACKAGE_SPLIT';
}

const words = (s: string | undefined): string[] => (s ?? '').split(/\s+/).filter((w) => w !== '');
const truthy = (v: string | undefined): boolean => v !== undefined && v !== '' && !['0', 'no', 'n', 'false'].includes(v.toLowerCase());

/** PACKAGE_DEBUG_SPLIT_STYLE, oe-core's default when unset. */
const debugSplitStyle = (lookup: Lookup): string => lookup('PACKAGE_DEBUG_SPLIT_STYLE') || 'debug-with-srcpkg';

/** Where the debug sources are (below TARGET_DBGSRC_DIR, per recipe). */
const DEBUG_SOURCES_DIR = '/usr/src/debug';

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

/**
 * Moves a package's members from ${PKGD} to `${PKGDEST}/<pkg>/`: a directory that is wholly
 * the package's goes in one rename (`whole`), other directories are made anew; every
 * directory gets its mode from the tree. Renaming keeps inodes, so link groups stay whole.
 */
function materialise(pkgd: string, dest: string, pkg: string, paths: readonly string[], tree: ReadonlyMap<string, TreeEntry>, whole: ReadonlyMap<string, string>): void {
  mkdirSync(dest, { recursive: true });
  const moved = new Set<string>();
  const inMoved = (path: string): boolean => {
    for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) if (moved.has(path.slice(0, i))) return true;
    return false;
  };
  for (const path of paths) {
    const e = tree.get(path);
    if (!e) continue;
    const target = join(dest, path);
    const inside = inMoved(path);
    if (e.kind === 'dir') {
      if (!inside && whole.get(path) === pkg) {
        renameSync(join(pkgd, path), target);
        moved.add(path);
      } else if (!inside) mkdirSync(target);
      chmodSync(target, e.mode);
    } else if (!inside) renameSync(join(pkgd, path), target);
  }
}

/** CONFFILES:<pkg> (globs, directories) as the package's regular files, sorted. */
function conffilesOf(pkg: string, lookup: Lookup, files: readonly PackageFile[], tree: ReadonlyMap<string, TreeEntry>): string[] {
  const patterns = words(pkgVar(lookup, 'CONFFILES', pkg));
  if (!patterns.length) return [];
  const members = files.flatMap((f) => tree.get(f.path) ?? []);
  const regular = new Set(files.filter((f) => f.kind === 'file' || f.kind === 'hardlink').map((f) => f.path));
  return matchFiles(patterns, members).filter((p) => regular.has(p)).sort(byteCompare);
}

/**
 * The packages' members, each regular file with its md5: the one taken ahead when its inode is
 * unchanged (`tree`: the split tree), else read now from `${PKGDEST}/<pkg>/`.
 */
async function withMd5(filesByPkg: ReadonlyMap<string, readonly PackageFile[]>, pkgdest: string, tree: ReadonlyMap<string, TreeEntry>, stamps: Md5Stamps): Promise<Map<string, PackageFile[]>> {
  const known = (f: PackageFile): string | undefined => {
    const entry = tree.get(f.path);
    return entry && stampedMd5(stamps, entry);
  };
  const unknown = [...filesByPkg].flatMap(([pkg, files]) => files.filter((f) => f.kind === 'file' && known(f) === undefined).map((f) => ({ path: join(pkgdest, pkg, f.path), size: f.size })));
  const sums = await fileMd5s(unknown);
  let next = 0;
  return new Map([...filesByPkg].map(([pkg, files]) => [pkg, files.map((f) => (f.kind === 'file' ? { ...f, md5: known(f) ?? sums[next++] ?? '' } : f))]));
}

function runSplitFunction(store: DataStore, fn: string, file: string): void {
  store.env.python.exec(store, `bb.build.exec_func(${JSON.stringify(fn)}, d)`, { file, line: 0 });
}

interface StageDirs {
  readonly D: string;
  readonly pkgd: string;
  readonly workdir: string;
  readonly file: string;
  readonly env: Readonly<Record<string, string>>;
}

interface Staged {
  readonly tree: TreeEntry[];
  readonly elves: Map<string, ElfInfo>;
  /** The split functions left for after populate_packages. */
  readonly after: string[];
  /** md5s of ${D}'s files, being taken while the split goes on. */
  readonly ahead: Promise<Md5Stamps>;
}

/**
 * ${PKGD} ready to split: ${D} linked in, the PACKAGESPLITFUNCS before populate_packages run,
 * the debug sources copied in, binaries stripped.
 */
async function stagePkgd(ctx: BuiltinContext, d: DataStore, lookup: Lookup, dirs: StageDirs): Promise<Staged> {
  const { D, pkgd, env } = dirs;
  // ${D} as do_install left it: ${PKGD} links the same inodes under the same paths.
  const installed = existsSync(D) ? timed('package-walk', () => walkTree(D, fromFakeroot(readFakerootState(join(dirs.workdir, 'fakeroot.state'))))) : [];
  const ahead = md5Ahead(D, installed);
  const owners = ownersOf(installed);
  mkdirSync(pkgd, { recursive: true });
  timed('package-link', () => linkTree(D, pkgd, installed));

  const splitFuncs = words(lookup('PACKAGESPLITFUNCS'));
  const at = splitFuncs.indexOf(POPULATE);
  const before = at < 0 ? splitFuncs : splitFuncs.slice(0, at);
  for (const fn of before) {
    if (fn === SPLIT_LOCALES) splitLocales(d, lookup, pkgd);
    else runSplitFunction(d, fn, dirs.file);
  }
  // The recipe's own functions may have changed ${PKGD}: then it is read again.
  let tree = before.some((fn) => fn !== SPLIT_LOCALES) ? walkTree(pkgd, owners) : installed;
  const elves = timed('package-elf', () => scanElf(pkgd, tree));
  const inhibitSplit = truthy(lookup('INHIBIT_PACKAGE_DEBUG_SPLIT'));
  // the sources the debug info names (${PN}-src), read before stripping takes the line tables away
  const sources =
    inhibitSplit || debugSplitStyle(lookup) === 'debug-without-src'
      ? []
      : await shipDebugSources(pkgd, tree, elves, prefixMaps(lookup('CFLAGS') ?? '', dirs.workdir), { readelf: lookup('READELF') ?? 'readelf', env, signal: ctx.signal });
  const split = await splitDebugInfo(pkgd, tree, elves, {
    inhibitStrip: truthy(lookup('INHIBIT_PACKAGE_STRIP')),
    inhibitSplit,
    objcopy: lookup('OBJCOPY') ?? 'objcopy',
    env,
    signal: ctx.signal,
  });
  if (split.processed > 0 || sources.length > 0) tree = walkTree(pkgd, owners);
  return { tree, elves, after: at < 0 ? [] : splitFuncs.slice(at + 1), ahead };
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
  const { tree, elves, after, ahead } = await stagePkgd(ctx, d, lookup, { D, pkgd, workdir, file, env });
  const byPath = new Map(tree.map((e) => [e.path, e]));

  // "debug-with-srcpkg" (oe-core's default): ${PN}-src ships the debug sources, whatever its FILES say
  const srcPackage = debugSplitStyle(lookup) === 'debug-with-srcpkg' ? `${pn}-src` : undefined;
  const packages = words(lookup('PACKAGES'));
  if (srcPackage !== undefined && !packages.includes(srcPackage)) packages.push(srcPackage);
  const filesOf = (pkg: string): string[] => (pkg === srcPackage ? [DEBUG_SOURCES_DIR] : words(lookup(`FILES:${pkg}`)));
  const result = timed('package-populate', () => populate(tree, packages, filesOf, (m) => ctx.warn(`${pn}: ${m}`)));
  const whole = wholeDirs(tree, result.packages);
  timed('package-move', () => {
    for (const [pkg, paths] of result.packages) materialise(pkgd, join(pkgdest, pkg), pkg, paths, byPath, whole);
  });
  for (const fn of after) runSplitFunction(d, fn, file);

  const findings: QaFinding[] = [];
  if (result.unshipped.length) findings.push(installedVsShipped(file, pn, result.unshipped));

  const written = result.order.filter((pkg) => (result.packages.get(pkg)?.length ?? 0) > 0 || truthy(lookup(`ALLOW_EMPTY:${pkg}`)) || truthy(lookup('ALLOW_EMPTY')));
  const unwritten = new Set(result.order.filter((p) => !written.includes(p)));
  const members = timed('package-files', () => new Map(result.order.map((pkg) => [pkg, packageFiles(result.packages.get(pkg) ?? [], byPath)])));
  // split functions after populate_packages may change files behind the tree's back: none of the md5s taken ahead is trusted then
  const stamps = await timedAsync('package-md5', () => (after.length > 0 ? ahead.then((): Md5Stamps => new Map()) : ahead));
  const filesByPkg = await timedAsync('package-md5', () => withMd5(members, pkgdest, byPath, stamps));

  const deps = timed('package-deps', () => autoDepends({ order: result.order, filesByPkg, elves, lookup, pkgdataDir: need(lookup, 'PKGDATA_DIR', file), pn, file, pkgdest, note: ctx.log }));

  const found = new Map(result.order.map((pkg, i) => [pkg, deps.of(pkg, i)]));
  const chains = depchainRecommends({
    packages: result.order,
    prefixes: words(lookup('DEPCHAIN_PRE')),
    suffixes: words(lookup('DEPCHAIN_POST')),
    depends: parseRelations(lookup('DEPENDS') ?? '').map((r) => r.name),
    rdepends: (pkg) => [...parseRelations(pkgVar(lookup, 'RDEPENDS', pkg) ?? ''), ...(found.get(pkg) ?? [])].map((r) => r.name),
    libdepends: [...found.values()].flat().map((r) => r.name),
    dbgDefaultDeps: lookup('DEPCHAIN_DBGDEFAULTDEPS') === '1',
    noDeprrecs: (pkg) => truthy(asText(d.getVarFlag(`RRECOMMENDS:${pkg}`, 'nodeprrecs'))),
  });

  const epoch = sourceDateEpoch(lookup);
  const specs: PackageSpec[] = [];
  for (const pkg of result.order) {
    const files = filesByPkg.get(pkg) ?? [];
    findings.push(...scriptFindings(file, pkg, D, (name) => pkgVar(lookup, name, pkg)));
    if (!written.includes(pkg)) continue;
    const autoRecommends = (chains.get(pkg) ?? []).map((name) => ({ name }));
    specs.push(buildSpec({ pkg, pn, lookup, files, autoDepends: found.get(pkg) ?? [], autoRecommends, conffiles: conffilesOf(pkg, lookup, files, byPath), sourceDateEpoch: epoch, unwritten }));
  }
  findings.push(...legacyScriptNames(file, d.keys(), result.order));

  const errors = reportQa(findings, {
    error: new Set(words(lookup('ERROR_QA'))),
    warn: new Set(words(lookup('WARN_QA'))),
    skip: (pkg) => new Set(words(lookup(`INSANE_SKIP:${pkg}`))),
  }, ctx.log, ctx.warn);
  if (errors.length) throw new PackageQaError(`QA run found fatal errors in ${pn}; see the messages above (${errors.length} error${errors.length > 1 ? 's' : ''})`, { file, line: 0 }, 'fix the recipe, or add the check to INSANE_SKIP:<package> if it does not apply');

  timed('package-data', () => {
    for (const spec of specs) writeFileAtomic(join(pkgdest, `${spec.name}.spec.json`), specJson(spec));
    writePkgdata(pkgdestwork, {
      recipe: { ...recipe, packages: result.order, written },
      specs,
      shlibs: deps.shlibs.filter((p) => written.includes(p.pkg)),
      pkgconfig: deps.pkgconfig.filter((p) => written.includes(p.pkg)),
    });
  });
}
