/**
 * Recipe-level lookups shared by commands: every recipe's info (through the parse cache when
 * available), and resolving a target name to the recipe that provides it.
 */
import { RecipeLookupError } from '../core/errors.js';
import { filterProviders, providersOf } from '../graph/providers.js';
import { asText } from '../metadata/datastore.js';
import { parseAll, type ParseSummary } from '../metadata/parse-all.js';
import type { RecipeInfo } from '../metadata/recipe-info.js';
import type { MetadataSession } from '../metadata/session.js';

export function loadRecipes(session: MetadataSession): ParseSummary {
  return parseAll(session);
}

export function configLookup(session: MetadataSession): (name: string) => string | undefined {
  return (name) => {
    const v = session.config.store.getVar(name);
    return v === undefined || v === null ? undefined : asText(v);
  };
}

/** The recipe `bitbake <target>` would build for `target` (a PN or anything PROVIDES names). */
export function resolveTarget(session: MetadataSession, recipes: readonly RecipeInfo[], target: string): RecipeInfo {
  const candidates = providersOf(target, recipes);
  const best = filterProviders(target, candidates, configLookup(session)).eligible[0];
  if (!best) {
    const skipped = recipes.find((r) => r.pn === target && r.skipped !== undefined);
    if (skipped) throw new RecipeLookupError(`recipe ${target} is skipped: ${skipped.skipped}`);
    throw new RecipeLookupError(`Nothing PROVIDES '${target}'`);
  }
  return best;
}
