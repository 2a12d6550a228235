/**
 * `tsbake getvar [--recipe FILE | -r PN] [--flag F] VAR|VAR[flag]`: the fully expanded value,
 * exit 1 when unset. Without a recipe, the finalised configuration is read.
 */
import { locate, UsageError } from '../../core/errors.js';
import { asText } from '../../metadata/datastore.js';
import type { DataStore } from '../../metadata/datastore.js';
import { expandKeys, runAnonymous } from '../../metadata/finalise.js';
import type { MetadataSession } from '../../metadata/session.js';
import { showValue } from '../../metadata/value.js';

export interface GetvarArgs {
  readonly variable: string;
  readonly flag: string | undefined;
  /** A recipe file, or a target name (PN or a PROVIDES entry). */
  readonly recipe: string | undefined;
}

export function splitFlagQuery(query: string, flag: string | undefined): { name: string; flag: string | undefined } {
  const m = /^(.+)\[([^\]]+)\]$/.exec(query);
  if (m && flag === undefined) return { name: m[1] ?? query, flag: m[2] };
  return { name: query, flag };
}

/** The store a query reads: a parsed recipe, or the configuration finalised like `bitbake -e`. */
export function targetStore(session: MetadataSession, recipe: string | undefined): DataStore {
  if (recipe === undefined) {
    const store = session.config.store.createCopy();
    expandKeys(store);
    runAnonymous(store, 'configuration');
    return store;
  }
  const main = session.parseRecipe(recipe)[0];
  if (!main) throw new UsageError(`no datastore for ${recipe}`);
  return main.store;
}

/** Returns the text to print, or undefined when the variable is unset. */
export function getvar(args: GetvarArgs, store: DataStore): string | undefined {
  const { name, flag } = splitFlagQuery(args.variable, args.flag);
  let value;
  try {
    value = flag === undefined ? store.getVar(name) : store.getVarFlag(name, flag);
  } catch (e) {
    // A failing expansion names at least the recipe it happened in.
    const file = args.recipe === undefined ? '' : asText(store.getVar('FILE', false));
    throw file ? locate(e, { file, line: 0 }) : e;
  }
  if (value === undefined || value === null) return undefined;
  return showValue(value);
}
