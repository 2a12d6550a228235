/**
 * The `world` and `universe` targets, expanded as BitBake's cooker does before it resolves
 * anything. `universe` is every recipe's PN (that has the task); `world` only the "terminal"
 * ones: not EXCLUDE_FROM_WORLD, with the task, providing no `virtual/` name and sharing no
 * provided name with a recipe of another PN (else world would build both alternatives).
 * Pure over RecipeInfo.
 */
import type { RecipeInfo } from '../metadata/recipe-info.js';

const hasTask = (r: RecipeInfo, task: string | undefined): boolean => task === undefined || r.tasks.some((t) => t.name === task);

/** BitBake's world_target: without a task (as `calculate_extra_depends` sees it when `world` was not asked for), every task counts. */
export function worldTargets(all: readonly RecipeInfo[], task: string | undefined): string[] {
  const live = all.filter((r) => r.skipped === undefined);
  const providers = new Map<string, Set<string>>();
  const pnProvides = new Map<string, Set<string>>();
  for (const r of live) {
    for (const p of r.provides) {
      providers.set(p, (providers.get(p) ?? new Set()).add(r.pn));
      pnProvides.set(r.pn, (pnProvides.get(r.pn) ?? new Set()).add(p));
    }
  }
  const terminal = (r: RecipeInfo): boolean =>
    hasTask(r, task) && [...(pnProvides.get(r.pn) ?? [])].every((p) => !p.startsWith('virtual/') && [...(providers.get(p) ?? [])].every((pn) => pn === r.pn));
  return [...new Set(live.filter((r) => !r.excludeFromWorld && terminal(r)).map((r) => r.pn))];
}

function universeTargets(all: readonly RecipeInfo[], task: string): string[] {
  const live = all.filter((r) => r.skipped === undefined);
  return [...new Set(live.map((r) => r.pn))].filter((pn) => live.some((r) => r.provides.includes(pn) && hasTask(r, task)));
}

/** The command line's targets with `world` and `universe` replaced by the names they stand for (appended, as BitBake does). */
export function expandTargets(all: readonly RecipeInfo[], targets: readonly string[], task: string): string[] {
  const out = targets.filter((t) => t !== 'world' && t !== 'universe');
  const sorted = (names: string[]): string[] => names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (targets.includes('world')) out.push(...sorted(worldTargets(all, task)));
  if (targets.includes('universe')) out.push(...sorted(universeTargets(all, task)));
  return out;
}
