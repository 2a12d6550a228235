/** `tsbake -e [TARGET]`: the datastore with every variable's history. */
import { RecipeLookupError } from '../../core/errors.js';
import { collectionsOf } from '../../metadata/collections.js';
import type { DataStore } from '../../metadata/datastore.js';
import { emitEnvironment } from '../../metadata/environment.js';
import { danglingAppendsError } from '../../metadata/parse-all.js';
import { addTaskDeps } from '../../metadata/task-deps.js';
import type { MetadataSession } from '../../metadata/session.js';
import { targetStore } from './getvar.js';
import { loadRecipes, resolveTarget } from '../recipes.js';

/** Up to this many recipes, a recipe-file query parses them directly: opening the parse cache costs more. */
const DIRECT_PARSE_LIMIT = 16;

/**
 * A recipe file, or a target name resolved through the providers. As with bitbake-getvar and
 * `bitbake -e TARGET`, every recipe is parsed first: a parse error anywhere or a dangling
 * bbappend is fatal.
 */
export function storeForTarget(session: MetadataSession, target: string | undefined, asBitbakeE = false): DataStore {
  if (target === undefined) {
    // bitbake-getvar (tinfoil) checks the layer collections (priorities, LAYERDEPENDS, patterns)
    // with the configuration; `bitbake -e` without a target does not.
    if (!asBitbakeE) collectionsOf(session.config.store);
    return targetStore(session, undefined);
  }
  // A copy: the parsed recipe may still be written to the parse cache.
  const store = recipeStore(session, target, asBitbakeE).createCopy();
  addTaskDeps(store);
  return store;
}

function recipeStore(session: MetadataSession, target: string, asBitbakeE: boolean): DataStore {
  const recipes = session.files().recipes;
  if (target.endsWith('.bb') && recipes.length <= DIRECT_PARSE_LIMIT) {
    const dangling = danglingAppendsError(session);
    if (dangling) throw dangling;
    for (const file of recipes) if (file !== target) session.parseRecipe(file);
    return targetStore(session, target);
  }
  const summary = loadRecipes(session);
  const failure = summary.errors[0];
  if (failure) throw failure;
  if (target.endsWith('.bb')) return targetStore(session, target);
  const recipe = resolveTarget(session, summary.recipes, target);
  // bitbake -e of a BBCLASSEXTEND target parses it without FILE_LAYERNAME (see parseRecipe).
  const variant = session.parseRecipe(recipe.file, recipe.variant, !(asBitbakeE && recipe.variant !== '')).find((v) => v.variant === recipe.variant);
  if (!variant) throw new RecipeLookupError(`cannot parse ${recipe.file} for ${target}`);
  return variant.store;
}

/**
 * The environment text, and the error BitBake logs for it: a renamed variable written while
 * parsing the configuration is not fatal there, but `bitbake -e` still exits non-zero.
 */
export function showEnvironment(session: MetadataSession, target: string | undefined): { text: string; error: string | undefined } {
  const store = storeForTarget(session, target, true);
  // bitbake -e TARGET re-reads the configuration after collecting the recipes, so the
  // collection's BBFILES_PRIORITIZED (which bitbake-getvar does see) is not in its recipe.
  if (target !== undefined) store.delVar('BBFILES_PRIORITIZED');
  return { text: emitEnvironment(store), error: store.renameError?.message };
}
