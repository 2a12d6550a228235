/**
 * Choosing recipes: which version of a PN (PREFERRED_VERSION / REQUIRED_VERSION, layer
 * priority, DEFAULT_PREFERENCE, highest version) and which recipe provides a name
 * (PROVIDES, PREFERRED_PROVIDER_*), as BitBake's providers module decides. Pure functions
 * over RecipeInfo; configuration values come in through `lookup`.
 */
import { vercmp, type Version } from '../core/version.js';
import type { RecipeInfo } from '../metadata/recipe-info.js';

export type Lookup = (name: string) => string | undefined;

/** Recipes of one PN grouped by layer priority (highest first), each group by DEFAULT_PREFERENCE. */
export function sortPriorities(recipes: readonly RecipeInfo[]): RecipeInfo[][] {
  const byPriority = new Map<number, Map<number, RecipeInfo[]>>();
  for (const r of recipes) {
    const prefs = byPriority.get(r.priority) ?? new Map<number, RecipeInfo[]>();
    byPriority.set(r.priority, prefs);
    prefs.set(r.defaultPreference, [...(prefs.get(r.defaultPreference) ?? []), r]);
  }
  const groups: RecipeInfo[][] = [];
  for (const pri of [...byPriority.keys()].sort((a, b) => a - b)) {
    const prefs = byPriority.get(pri) ?? new Map<number, RecipeInfo[]>();
    groups.unshift([...prefs.keys()].sort((a, b) => a - b).flatMap((p) => prefs.get(p) ?? []));
  }
  return groups;
}

function versionVariable(keyword: 'PREFERRED' | 'REQUIRED', pn: string, lookup: Lookup): string | undefined {
  return lookup(`${keyword}_VERSION:pn-${pn}`) || lookup(`${keyword}_VERSION_${pn}`) || lookup(`${keyword}_VERSION`) || undefined;
}

/**
 * Matches a PREFERRED_VERSION: `[PE:]PV`, where PV may end in `%` (a prefix). (BitBake's
 * pattern also names a `_PR` part, but its greedy PV group always swallows it.)
 */
export function versionMatches(v: Version, wanted: string): boolean {
  const m = /^((?:\d+:)*)(.*)$/.exec(wanted);
  const pe = m?.[1] ? m[1].slice(0, -1).split(':').pop() : undefined;
  const pv = m?.[2] ?? wanted;
  if (pe !== undefined && pe !== v.pe) return false;
  return pv === v.pv || (pv.endsWith('%') && v.pv.startsWith(pv.slice(0, -1)));
}

export interface PreferredVersion {
  readonly recipe: RecipeInfo | undefined;
  readonly wanted: string | undefined;
  readonly required: boolean;
}

export function findPreferredVersion(pn: string, groups: readonly (readonly RecipeInfo[])[], lookup: Lookup): PreferredVersion {
  const required = versionVariable('REQUIRED', pn, lookup);
  const wanted = required ?? versionVariable('PREFERRED', pn, lookup);
  if (!wanted) return { recipe: undefined, wanted: undefined, required: false };
  for (const group of groups) {
    const hit = group.find((r) => versionMatches(r, wanted));
    if (hit) return { recipe: hit, wanted, required: required !== undefined };
  }
  return { recipe: undefined, wanted, required: required !== undefined };
}

/** The highest version in the highest-priority group, DEFAULT_PREFERENCE first. */
export function findLatest(group: readonly RecipeInfo[]): RecipeInfo | undefined {
  let latest: RecipeInfo | undefined;
  for (const r of group) {
    if (!latest || (latest.defaultPreference === r.defaultPreference && vercmp(latest, r) < 0) || r.defaultPreference > latest.defaultPreference) latest = r;
  }
  return latest;
}

export interface BestProvider {
  readonly latest: RecipeInfo | undefined;
  readonly preferred: RecipeInfo | undefined;
  /** A PREFERRED_VERSION that matched nothing (reported as a warning). */
  readonly missingPreference: string | undefined;
}

export function findBestProvider(pn: string, recipes: readonly RecipeInfo[], lookup: Lookup): BestProvider {
  const groups = sortPriorities(recipes);
  const pref = findPreferredVersion(pn, groups, lookup);
  const latest = findLatest(groups[0] ?? []);
  const preferred = pref.recipe ?? (pref.required ? undefined : latest);
  return { latest, preferred, missingPreference: pref.recipe ? undefined : pref.wanted };
}

/** Recipes by PN, skipped ones left out. */
export function recipesByPn(recipes: readonly RecipeInfo[]): Map<string, RecipeInfo[]> {
  const out = new Map<string, RecipeInfo[]>();
  for (const r of recipes) {
    if (r.skipped !== undefined) continue;
    out.set(r.pn, [...(out.get(r.pn) ?? []), r]);
  }
  return out;
}

export interface ProviderChoice {
  readonly eligible: readonly RecipeInfo[];
  /** True when PREFERRED_PROVIDER (PREFERRED_RPROVIDER at run time) picked the first entry. */
  readonly unique: boolean;
}

/** BitBake's _filterProviders: each PN's preferred (else latest) recipe, the PN named `item` first; [] when a REQUIRED_VERSION matches nothing. */
function eligibleProviders(item: string, providers: readonly RecipeInfo[], lookup: Lookup): RecipeInfo[] {
  // The common case, one recipe: only a REQUIRED_VERSION can change the answer.
  const only = providers.length === 1 ? providers[0] : undefined;
  if (only) {
    const required = versionVariable('REQUIRED', only.pn, lookup);
    return required === undefined || versionMatches(only, required) ? [only] : [];
  }
  const sorted = [...providers].sort((a, b) => cmp(fileKey(a), fileKey(b)));
  const byPn = new Map<string, RecipeInfo[]>();
  for (const p of sorted) byPn.set(p.pn, [...(byPn.get(p.pn) ?? []), p]);
  const eligible: RecipeInfo[] = [];
  const chosen = new Map<string, RecipeInfo | undefined>();
  for (const pn of [...byPn.keys()].sort(cmp)) {
    const groups = sortPriorities(byPn.get(pn) ?? []);
    const pref = findPreferredVersion(pn, groups, lookup);
    if (pref.required && !pref.recipe) return [];
    chosen.set(pn, pref.recipe);
    if (pref.recipe) eligible.push(pref.recipe);
  }
  for (const pn of [...byPn.keys()].sort(cmp)) {
    if (chosen.get(pn)) continue;
    const latest = findLatest(sortPriorities(byPn.get(pn) ?? [])[0] ?? []);
    chosen.set(pn, latest);
    if (latest) eligible.push(latest);
  }
  const own = chosen.get(item);
  return own && eligible.includes(own) ? [own, ...eligible.filter((r) => r !== own)] : eligible;
}

const toFront = (list: readonly RecipeInfo[], r: RecipeInfo): RecipeInfo[] => [r, ...list.filter((x) => x !== r)];

/** filterProviders: the build-time candidates for `item`, best first. */
export function filterProviders(item: string, providers: readonly RecipeInfo[], lookup: Lookup): ProviderChoice {
  const eligible = eligibleProviders(item, providers, lookup);
  const preferredPn = lookup(`PREFERRED_PROVIDER_${item}`);
  const hit = preferredPn ? eligible.find((r) => r.pn === preferredPn) : undefined;
  return hit ? { eligible: toFront(eligible, hit), unique: true } : { eligible, unique: false };
}

export interface RuntimeProviderChoice extends ProviderChoice {
  /** The PREFERRED_PROVIDER settings that each picked a different candidate (a conflict when more than one). */
  readonly conflicts: readonly string[];
}

/**
 * filterProvidersRunTime: PREFERRED_RPROVIDER_<item> first; otherwise a candidate that some
 * PREFERRED_PROVIDER_<one of its PROVIDES> names moves to the front.
 */
export function filterRuntimeProviders(item: string, providers: readonly RecipeInfo[], lookup: Lookup): RuntimeProviderChoice {
  const candidates = eligibleProviders(item, providers, lookup);
  const preferredPn = lookup(`PREFERRED_RPROVIDER_${item}`);
  const hit = preferredPn ? candidates.find((r) => r.pn === preferredPn) : undefined;
  if (hit) return { eligible: toFront(candidates, hit), unique: true, conflicts: [] };
  const byPn = new Map(candidates.map((r) => [r.pn, r] as const));
  const preferred = new Set<RecipeInfo>();
  const conflicts: string[] = [];
  let eligible = candidates;
  // BitBake removes the first preferred candidate from the very list it is walking, which skips
  // the next one; walking `candidates` while splicing it keeps that quirk.
  for (let i = 0; i < candidates.length; i++) {
    for (const provide of (candidates[i] as RecipeInfo).provides) {
      const pn = lookup(`PREFERRED_PROVIDER_${provide}`);
      const pref = pn === undefined ? undefined : byPn.get(pn);
      if (!pref || preferred.has(pref)) continue;
      conflicts.push(`PREFERRED_PROVIDER_${provide} = ${pn}`);
      if (eligible === candidates) candidates.splice(candidates.indexOf(pref), 1);
      eligible = [pref, ...eligible.filter((r) => r !== pref)];
      preferred.add(pref);
      break;
    }
  }
  return { eligible, unique: preferred.size > 0, conflicts: preferred.size > 1 ? conflicts : [] };
}

/** Every recipe that PROVIDES `item` (PN counts as a provide). */
export function providersOf(item: string, recipes: readonly RecipeInfo[]): RecipeInfo[] {
  return recipes.filter((r) => r.skipped === undefined && r.provides.includes(item));
}

const fileKey = (r: RecipeInfo): string => (r.variant ? `virtual:${r.variant}:${r.file}` : r.file);
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
