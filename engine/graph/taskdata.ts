/**
 * Which recipes a build needs: the targets' providers, then everything they DEPEND on at
 * build time (DEPENDS, `[depends]`) and at run time (RDEPENDS of every package,
 * `[rdepends]`), each name resolved through PROVIDES / RPROVIDES / PACKAGES and the
 * PREFERRED_* settings. Pure over RecipeInfo.
 */
import { RecipeLookupError } from '../core/errors.js';
import type { RecipeInfo } from '../metadata/recipe-info.js';
import { pythonMatch, pythonRegex } from '../metadata/pyregex.js';
import type { ExtraDepends } from './extra-depends.js';
import { filterProviders, filterRuntimeProviders, type Lookup } from './providers.js';

export interface TaskData {
  /** Included recipes, by key (see `keyOf`), in the order they were reached. */
  readonly recipes: ReadonlyMap<string, RecipeInfo>;
  /** An included recipe's key: its PN, or `PN FILE` for a second version of a PN (which BitBake refuses to build). */
  readonly keyOf: (r: RecipeInfo) => string;
  /** Build-time name → chosen recipe (targets, DEPENDS, [depends] names). */
  readonly buildTargets: ReadonlyMap<string, RecipeInfo>;
  /** Run-time name → chosen recipe (RDEPENDS, [rdepends] names). */
  readonly runTargets: ReadonlyMap<string, RecipeInfo>;
  /** Key → the keys its DEPENDS resolved to. */
  readonly depends: ReadonlyMap<string, readonly string[]>;
  /** Key → the keys its run-time dependencies resolved to. */
  readonly rdepends: ReadonlyMap<string, readonly string[]>;
  readonly warnings: readonly string[];
}

/**
 * Every run-time name a recipe's packages depend on or recommend. As in BitBake's recipe
 * cache, RDEPENDS and RRECOMMENDS without a package suffix apply to every package, and
 * recommendations count as dependencies for `[rdeptask]`.
 */
function runtimeNames(r: RecipeInfo): string[] {
  const names = new Set<string>();
  for (const pkg of r.packages) {
    for (const list of [r.rdepends, r.packageRdepends[pkg] ?? [], r.rrecommends, r.packageRrecommends[pkg] ?? []]) for (const n of list) names.add(n);
  }
  return [...names];
}

function taskDepNames(r: RecipeInfo, flag: 'depends' | 'rdepends'): string[] {
  const out: string[] = [];
  for (const t of r.tasks) {
    const value = t.flags[flag];
    if (!value) continue;
    for (const entry of value.split(/\s+/)) {
      if (!entry) continue;
      const colon = entry.indexOf(':');
      if (colon <= 0) throw new RecipeLookupError(`${r.pn}:${t.name}[${flag}] entry '${entry}' is not of the form name:task`);
      out.push(entry.slice(0, colon));
    }
  }
  return out;
}

interface RecipeIndex {
  readonly provides: Map<string, RecipeInfo[]>;
  /** Run-time name → recipes: RPROVIDES (recipe- and package-level), then packages. */
  readonly runtime: Map<string, RecipeInfo[]>;
  readonly dynamic: ReadonlyArray<{ readonly pattern: RegExp; readonly recipe: RecipeInfo }>;
}

/** Name → recipes, built once. */
function indexRecipes(all: readonly RecipeInfo[]): RecipeIndex {
  const provides = new Map<string, RecipeInfo[]>();
  const packages = new Map<string, RecipeInfo[]>();
  const rprovides = new Map<string, RecipeInfo[]>();
  const dynamic: Array<{ pattern: RegExp; recipe: RecipeInfo }> = [];
  const add = (m: Map<string, RecipeInfo[]>, k: string, r: RecipeInfo): void => {
    const list = m.get(k);
    if (!list) m.set(k, [r]);
    else if (!list.includes(r)) list.push(r);
  };
  for (const r of all) {
    if (r.skipped !== undefined) continue;
    for (const p of r.provides) add(provides, p, r);
    for (const p of r.packages) add(packages, p, r);
    for (const p of r.rprovides) add(rprovides, p, r);
    for (const list of Object.values(r.packageRprovides)) for (const p of list) add(rprovides, p, r);
    // BitBake escapes '+' (common in package names) before compiling the pattern.
    for (const p of r.packagesDynamic) dynamic.push({ pattern: pythonRegex(p.replaceAll('+', '\\+'), `PACKAGES_DYNAMIC of ${r.pn}`), recipe: r });
  }
  const runtime = new Map(rprovides);
  for (const [name, list] of packages) runtime.set(name, [...(runtime.get(name) ?? []), ...list]);
  return { provides, runtime, dynamic };
}

/** getRuntimeProviders: RPROVIDES and packages; failing those, PACKAGES_DYNAMIC patterns. */
function runtimeProviders(index: RecipeIndex, name: string): RecipeInfo[] {
  const direct = index.runtime.get(name);
  if (direct) return direct;
  return index.dynamic.filter((d) => pythonMatch(d.pattern, name)).map((d) => d.recipe);
}

/** `extraDepends` gives a recipe's DEPENDS with what its `calculate_extra_depends` adds (see extra-depends.ts). */
export function buildTaskData(all: readonly RecipeInfo[], targets: readonly string[], lookup: Lookup, extraDepends: ExtraDepends = (r) => r.depends): TaskData {
  const assumed = new Set((lookup('ASSUME_PROVIDED') ?? '').split(/\s+/).filter(Boolean));
  const recipes = new Map<string, RecipeInfo>();
  const buildTargets = new Map<string, RecipeInfo>();
  const runTargets = new Map<string, RecipeInfo>();
  const depends = new Map<string, string[]>();
  const rdepends = new Map<string, string[]>();
  const warnings: string[] = [];
  /** Recipes to resolve the dependencies of; `real` ones are in the build, the others only checked (see `choose`). */
  const queue: Array<{ recipe: RecipeInfo; chain: readonly string[]; real: boolean }> = [];
  const checked = new Set<RecipeInfo>();
  const index = indexRecipes(all);

  /**
   * The providers of `name`, best first. BitBake adds every eligible provider to its task data
   * (the build uses the first), so the others' dependencies must resolve too.
   */
  const choose = (name: string, candidates: RecipeInfo[], kind: 'PROVIDES' | 'RPROVIDES', chain: readonly string[]): RecipeInfo => {
    const runtime = kind === 'RPROVIDES' ? filterRuntimeProviders(name, candidates, lookup) : undefined;
    if (runtime?.conflicts.length) {
      throw new RecipeLookupError(`Trying to resolve runtime dependency ${name} resulted in conflicting PREFERRED_PROVIDER entries: ${runtime.conflicts.join(', ')}`, undefined, `set PREFERRED_RPROVIDER_${name}`);
    }
    const choice = runtime ?? filterProviders(name, candidates, lookup);
    const [best, ...others] = choice.eligible;
    if (!best) {
      const skipped = all.find((r) => r.skipped !== undefined && (r.pn === name || (kind === 'PROVIDES' ? r.provides : r.rprovides).includes(name)));
      const why = skipped ? ` (recipe ${skipped.pn} was skipped: ${skipped.skipped})` : '';
      const needed = chain.length ? ` (needed by ${chain.join(', which is needed by ')})` : '';
      throw new RecipeLookupError(`Nothing ${kind} '${name}'${needed}${why}`);
    }
    const pns = [...new Set(choice.eligible.map((r) => r.pn))];
    if (pns.length > 1 && !choice.unique) {
      // bb.event.MultipleProviders as BitBake's UI prints it.
      const r = kind === 'RPROVIDES' ? 'R' : '';
      warnings.push(`Multiple providers are available for ${r ? 'runtime ' : ''}${name} (${pns.join(', ')})\nConsider defining a PREFERRED_${r}PROVIDER entry to match ${name}`);
    }
    for (const other of others) visit(other, chain, false);
    return best;
  };
  const keyOf = (r: RecipeInfo): string => (recipes.has(r.pn) && recipes.get(r.pn) !== r ? `${r.pn} ${r.file}` : r.pn);
  const visit = (r: RecipeInfo, chain: readonly string[], real: boolean): void => {
    if (real ? recipes.get(keyOf(r)) === r : checked.has(r) || recipes.get(keyOf(r)) === r) return;
    if (real) recipes.set(keyOf(r), r);
    else checked.add(r);
    queue.push({ recipe: r, chain: [r.pn, ...chain], real });
  };
  const resolve = (name: string, chain: readonly string[], real: boolean, kind: 'PROVIDES' | 'RPROVIDES'): RecipeInfo | undefined => {
    if (assumed.has(name)) return undefined;
    const targets = kind === 'PROVIDES' ? buildTargets : runTargets;
    let r = targets.get(name);
    if (!r) {
      r = choose(name, kind === 'PROVIDES' ? (index.provides.get(name) ?? []) : runtimeProviders(index, name), kind, chain);
      targets.set(name, r);
    }
    visit(r, chain, real);
    return r;
  };

  for (const t of targets) resolve(t, [], true, 'PROVIDES');
  for (let i = 0; i < queue.length; i++) {
    const { recipe, chain, real } = queue[i] ?? { recipe: undefined, chain: [], real: false };
    if (!recipe) continue;
    const own = extraDepends(recipe);
    const build = (name: string): RecipeInfo | undefined => resolve(name, chain, real, 'PROVIDES');
    const run = (name: string): RecipeInfo | undefined => resolve(name, chain, real, 'RPROVIDES');
    const key = (r: RecipeInfo | undefined): string | undefined => (r ? keyOf(r) : undefined);
    const ownBuild = unique(own.map((d) => key(build(d))));
    taskDepNames(recipe, 'depends').forEach(build);
    const ownRun = unique(runtimeNames(recipe).map((d) => key(run(d))));
    taskDepNames(recipe, 'rdepends').forEach(run);
    if (real) {
      depends.set(keyOf(recipe), ownBuild);
      rdepends.set(keyOf(recipe), ownRun);
    }
  }
  return { recipes, keyOf, buildTargets, runTargets, depends, rdepends, warnings };
}

function unique(list: ReadonlyArray<string | undefined>): string[] {
  return [...new Set(list.filter((x): x is string => x !== undefined))];
}
