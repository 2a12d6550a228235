/**
 * Recipe-level lookups shared by commands: every recipe's info (through the parse cache when
 * available), and resolving a target name to the recipe that provides it.
 */
import { RecipeLookupError } from '../core/errors.js';
import { timed } from '../core/timings.js';
import { filterProviders, providersOf } from '../graph/providers.js';
import { configLookup } from '../metadata/config-lookup.js';
import { cachedLoader } from '../metadata/cached-loader.js';
import { parseAll, type ParseSummary } from '../metadata/parse-all.js';
import type { RecipeInfo } from '../metadata/recipe-info.js';
import type { MetadataSession } from '../metadata/session.js';
import { sessionOpener, sessionRequest } from './session.js';

/**
 * Every recipe's info: from the parse cache when its entry is valid; the rest are parsed, on
 * worker threads (each opening its session as `session` was opened) when there are many.
 */
export function loadRecipes(session: MetadataSession, warn: (w: string) => void = (w) => process.stderr.write(`WARNING: ${w}\n`)): ParseSummary {
  const opener = sessionOpener(session);
  const env = sessionRequest(session)?.env ?? process.env;
  for (const w of timed('collect', () => session.files()).warnings) warn(w);
  return timed('recipes', () => parseAll(session, cachedLoader(session, { env, onWarning: warn, ...(opener ? { pool: { opener } } : {}) })));
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
