/**
 * RecipeInfo: what the rest of tsbake needs from a parsed recipe, as plain JSON. It is what
 * the parse cache stores, so a warm parse or a no-op build never rebuilds a datastore.
 */
import { ParseError } from '../core/errors.js';
import { asText, type DataStore } from './datastore.js';
import { pySplit } from './pystr.js';
import { taskList } from './tasks.js';

/**
 * Task flags the graph and the runner read. The first group is expanded at parse time, as
 * BitBake does for its task_deps (and for `file-checksums`, which a no-op build needs for the
 * taskhash without parsing); the rest stay unexpanded until the task runs.
 */
const EXPANDED_FLAGS = ['depends', 'rdepends', 'deptask', 'rdeptask', 'recrdeptask', 'recideptask', 'noexec', 'nostamp', 'fakeroot', 'umask', 'file-checksums'] as const;
const EXPANDED: ReadonlySet<string> = new Set(EXPANDED_FLAGS);
export const TASK_FLAGS = [
  ...EXPANDED_FLAGS,
  'network',
  'dirs',
  'cleandirs',
  'lockfiles',
  'prefuncs',
  'postfuncs',
  'vardeps',
  'vardepsexclude',
  'vardepvalue',
  'number_threads',
  'python',
] as const;

export interface TaskInfo {
  readonly name: string;
  /** Tasks of the same recipe this one runs after (`addtask ... after`). */
  readonly after: readonly string[];
  readonly flags: Readonly<Partial<Record<(typeof TASK_FLAGS)[number], string>>>;
  /** The task's basehash (sstate/signature); '' when the recipe was read without a signer. */
  readonly basehash: string;
}

/**
 * The basehash of each task of a finalised recipe store. sstate/signature provides it
 * (`taskBasehashes`); the metadata layer may not import that layer, so it is passed in.
 */
export type TaskSigner = (store: DataStore, tasks: readonly string[]) => ReadonlyMap<string, string>;

export interface RecipeInfo {
  /** The .bb file. */
  readonly file: string;
  /** '' for the recipe itself, else its BBCLASSEXTEND variant (`native`, ...). */
  readonly variant: string;
  readonly appends: readonly string[];
  readonly layer: string | undefined;
  readonly priority: number;
  readonly skipped: string | undefined;
  readonly pn: string;
  readonly pe: string | undefined;
  readonly pv: string;
  readonly pr: string;
  readonly defaultPreference: number;
  readonly provides: readonly string[];
  readonly depends: readonly string[];
  readonly rdepends: readonly string[];
  readonly rrecommends: readonly string[];
  /** PACKAGES, or [PN] when that is empty (BitBake's recipe cache does the same). */
  readonly packages: readonly string[];
  /** PACKAGES_DYNAMIC: patterns of run-time names this recipe may provide. */
  readonly packagesDynamic: readonly string[];
  readonly rprovides: readonly string[];
  /** RDEPENDS:<pkg>, RRECOMMENDS:<pkg> and RPROVIDES:<pkg> for each package. */
  readonly packageRdepends: Readonly<Record<string, readonly string[]>>;
  readonly packageRrecommends: Readonly<Record<string, readonly string[]>>;
  readonly packageRprovides: Readonly<Record<string, readonly string[]>>;
  readonly inherits: readonly string[];
  /** EXCLUDE_FROM_WORLD is true: `world` leaves this recipe out. */
  readonly excludeFromWorld: boolean;
  /** The body of the `calculate_extra_depends` python function (expanded), which adds DEPENDS when the graph is built. */
  readonly calculateExtraDepends: string | undefined;
  /** ${STAMP} expanded: the prefix of every stamp of this recipe. */
  readonly stamp: string;
  /** ${T} expanded: where task logs go. */
  readonly tempDir: string;
  readonly tasks: readonly TaskInfo[];
  /** Shared state, when the recipe has SSTATETASKS with `_setscene` twins. */
  readonly sstate: SstateInfo | undefined;
}

/** One sstate task's directories (expanded), paired by position as oe-core pairs them. */
export interface SstateTask {
  readonly inputdirs: readonly string[];
  readonly outputdirs: readonly string[];
  readonly plaindirs: readonly string[];
  readonly lockfiles: readonly string[];
}

/** What names and fills a recipe's sstate objects. */
export interface SstateInfo {
  readonly packageArch: string;
  readonly pkgArch: string;
  readonly version: string;
  readonly tasks: Readonly<Record<string, SstateTask>>;
}

/** How many infos (variants) a recipe file has, and how many of them are skipped: what `-p` counts. */
export interface RecipeCounts {
  readonly targets: number;
  readonly skipped: number;
}

export const countsOf = (infos: readonly RecipeInfo[]): RecipeCounts => ({ targets: infos.length, skipped: infos.filter((i) => i.skipped !== undefined).length });

/** The name BitBake gives a variant: `virtual:native:/path/foo_1.0.bb`. */
export function virtualFile(info: Pick<RecipeInfo, 'file' | 'variant'>): string {
  return info.variant ? `virtual:${info.variant}:${info.file}` : info.file;
}

/** Dependency strings without version constraints: `a (>= 1.0) b` → [a, b]. */
export function explodeDeps(s: string): string[] {
  const out: string[] = [];
  let inVersion = false;
  for (const word of pySplit(s)) {
    if (inVersion) {
      if (word.endsWith(')')) inVersion = false;
      continue;
    }
    if (word.startsWith('(')) {
      inVersion = !word.endsWith(')');
      continue;
    }
    if (!out.includes(word)) out.push(word);
  }
  return out;
}

const text = (store: DataStore, name: string): string => asText(store.getVar(name));

export function recipeInfo(
  store: DataStore,
  file: string,
  variant: string,
  skipped: string | undefined,
  where: { layer: string | undefined; priority: number },
  signer?: TaskSigner,
): RecipeInfo {
  const pn = text(store, 'PN') || pnFromFileName(file);
  const listed = pySplit(text(store, 'PACKAGES'));
  const packages = listed.length ? listed : [pn];
  // BitBake's cache: PN first, then each PROVIDES name once (version constraints dropped).
  const provides = [pn, ...explodeDeps(text(store, 'PROVIDES')).filter((p) => p !== pn)];
  const perPackage = (name: string): Record<string, string[]> => Object.fromEntries(packages.map((pkg) => [pkg, explodeDeps(text(store, `${name}:${pkg}`))]));
  const pe = store.getVar('PE');
  const inherits = store.getVar('__inherit_cache', false);
  return {
    file,
    variant,
    appends: pySplit(asText(store.getVar('__BBAPPEND'))),
    layer: where.layer,
    priority: where.priority,
    skipped,
    pn,
    pe: pe === undefined || pe === null ? undefined : asText(pe),
    pv: text(store, 'PV'),
    pr: text(store, 'PR'),
    defaultPreference: Number.parseInt(text(store, 'DEFAULT_PREFERENCE') || '0', 10) || 0,
    provides,
    depends: explodeDeps(text(store, 'DEPENDS')),
    rdepends: explodeDeps(text(store, 'RDEPENDS')),
    rrecommends: explodeDeps(text(store, 'RRECOMMENDS')),
    packages,
    packagesDynamic: pySplit(text(store, 'PACKAGES_DYNAMIC')),
    rprovides: explodeDeps(text(store, 'RPROVIDES')),
    packageRdepends: perPackage('RDEPENDS'),
    packageRrecommends: perPackage('RRECOMMENDS'),
    packageRprovides: perPackage('RPROVIDES'),
    inherits: Array.isArray(inherits) ? [...(inherits as readonly string[])] : [],
    excludeFromWorld: toBoolean(text(store, 'EXCLUDE_FROM_WORLD'), 'EXCLUDE_FROM_WORLD', file),
    calculateExtraDepends: text(store, 'calculate_extra_depends') || undefined,
    stamp: skipped === undefined ? text(store, 'STAMP') : '',
    tempDir: skipped === undefined ? text(store, 'T') : '',
    tasks: skipped === undefined ? tasksOf(store, signer) : [],
    sstate: skipped === undefined ? sstateOf(store) : undefined,
  };
}

/** A recipe without PN is known by its file name's first `_` part, as BitBake's recipe cache does. */
function pnFromFileName(file: string): string {
  const base = file.slice(file.lastIndexOf('/') + 1);
  return base.slice(0, base.lastIndexOf('.')).split('_')[0] ?? '';
}

/** bb.utils.to_boolean: y/yes/1/true, n/no/0/false (any case), '' is false; anything else is an error. */
function toBoolean(value: string, name: string, file: string): boolean {
  const v = value.toLowerCase();
  if (v === '' || ['n', 'no', '0', 'false'].includes(v)) return false;
  if (['y', 'yes', '1', 'true'].includes(v)) return true;
  throw new ParseError(`${name} = "${value}" is not a boolean (y, yes, 1, true, n, no, 0, false)`, { file, line: 0 });
}

/** SSTATETASKS that have a `_setscene` twin, with their expanded directories. */
function sstateOf(store: DataStore): SstateInfo | undefined {
  const declared = pySplit(text(store, 'SSTATETASKS'));
  if (declared.length === 0) return undefined;
  const all = new Set(taskList(store));
  const tasks: Record<string, SstateTask> = {};
  for (const task of declared) {
    if (!all.has(`${task}_setscene`)) continue;
    const dirs = (flag: string): string[] => pySplit(asText(store.getVarFlag(task, flag)));
    tasks[task] = { inputdirs: dirs('sstate-inputdirs'), outputdirs: dirs('sstate-outputdirs'), plaindirs: dirs('sstate-plaindirs'), lockfiles: dirs('sstate-lockfile') };
  }
  if (Object.keys(tasks).length === 0) return undefined;
  return { packageArch: text(store, 'PACKAGE_ARCH'), pkgArch: text(store, 'SSTATE_PKGARCH'), version: text(store, 'SSTATE_VERSION'), tasks };
}

function tasksOf(store: DataStore, signer: TaskSigner | undefined): TaskInfo[] {
  const names = taskList(store);
  const basehashes = signer?.(store, names);
  return names.map((name) => {
    const deps = store.getVarFlag(name, 'deps', false);
    const flags: Partial<Record<(typeof TASK_FLAGS)[number], string>> = {};
    // One look at the task's flags; only those it has are read (and expanded) one by one.
    const set = store.getVarFlags(name);
    if (set) {
      for (const f of TASK_FLAGS) {
        if (!set.has(f)) continue;
        const v = EXPANDED.has(f) ? store.getVarFlag(name, f) : set.get(f);
        if (v !== undefined && v !== null) flags[f] = asText(v);
      }
    }
    return { name, after: Array.isArray(deps) ? [...(deps as readonly string[])] : [], flags, basehash: basehashes?.get(name) ?? '' };
  });
}
