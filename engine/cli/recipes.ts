/**
 * Recipe-level lookups shared by commands: every recipe's info (through the parse cache when
 * available), and resolving a target name to the recipe that provides it.
 */
import { RecipeLookupError } from '../core/errors.js';
import { filterProviders, providersOf } from '../graph/providers.js';
import { asText } from '../metadata/datastore.js';
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
  return parseAll(session, cachedLoader(session, { env, onWarning: warn, ...(opener ? { pool: { opener } } : {}) }));
}

/** Configuration values by name, memoised (provider choice asks for the same names often). */
export function configLookup(session: MetadataSession): (name: string) => string | undefined {
  const memo = new Map<string, string | undefined>();
  return (name) => {
    if (memo.has(name)) return memo.get(name);
    const v = session.config.store.getVar(name);
    const text = v === undefined || v === null ? undefined : asText(v);
    memo.set(name, text);
    return text;
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
