/**
 * Parsing every recipe BBFILES selects: RecipeInfo for each (and each BBCLASSEXTEND variant),
 * the counts `tsbake -p` reports, parse errors collected per file, and the check that every
 * bbappend applies to some recipe.
 */
import { LayerError, TsbakeError } from '../core/errors.js';
import { asText } from './datastore.js';
import { allDepends } from './evaluate.js';
import { appendMatches } from './collections.js';
import { basename } from './locate.js';
import { recipeInfo, type RecipeInfo } from './recipe-info.js';
import type { MetadataSession } from './session.js';

export interface ParseSummary {
  readonly recipes: readonly RecipeInfo[];
  readonly files: number;
  readonly cached: number;
  readonly parsed: number;
  readonly masked: number;
  readonly errors: readonly TsbakeError[];
  readonly warnings: readonly string[];
}

export interface ParsedFile {
  readonly infos: RecipeInfo[];
  /** Every file the parse read or looked for (configuration included): the cache key. */
  readonly depends: string[];
}

/** Parses one recipe file into RecipeInfo, one per variant. */
export function parseToInfo(session: MetadataSession, file: string): ParsedFile {
  const where = session.collection.priorityOf(file);
  const variants = session.parseRecipe(file);
  const depends = new Set<string>();
  for (const v of variants) for (const d of allDepends(v.store)) depends.add(d);
  return { infos: variants.map((v) => recipeInfo(v.store, file, v.variant, v.skipped, where, session.signer)), depends: [...depends] };
}

/** A recipe source: the parse cache, or parsing on the spot. */
export type RecipeLoader = (files: readonly string[]) => { infos: Map<string, RecipeInfo[]>; errors: TsbakeError[]; cached: number };

export function sequentialLoader(session: MetadataSession): RecipeLoader {
  return (files) => {
    const infos = new Map<string, RecipeInfo[]>();
    const errors: TsbakeError[] = [];
    for (const f of files) {
      try {
        infos.set(f, parseToInfo(session, f).infos);
      } catch (e) {
        if (!(e instanceof TsbakeError)) throw e;
        errors.push(e);
      }
    }
    return { infos, errors, cached: 0 };
  };
}

export function parseAll(session: MetadataSession, load: RecipeLoader = sequentialLoader(session)): ParseSummary {
  const collected = session.files();
  const warnings: string[] = [];
  const errors: TsbakeError[] = [];
  const names = collected.recipes.map(basename);
  const exact = new Set(names);
  const dangling = collected.appends.filter(([target]) => !exact.has(target) && !(target.includes('%') && names.some((n) => appendMatches(target, n))));
  if (dangling.length) {
    const list = dangling.map(([, p]) => p).join('\n  ');
    const warnOnly = asText(session.config.store.getVar('BB_DANGLINGAPPENDS_WARNONLY')).toLowerCase();
    if (['1', 'yes', 'true', 'y'].includes(warnOnly)) {
      warnings.push(`no recipes in the configuration match these bbappends:\n  ${list}`);
    } else {
      errors.push(new LayerError(`no recipes in the configuration match these bbappends:\n  ${list}`, undefined, 'remove them, or set BB_DANGLINGAPPENDS_WARNONLY = "1"'));
    }
  }
  const result = load(collected.recipes);
  errors.push(...result.errors);
  const recipes = collected.recipes.flatMap((f) => result.infos.get(f) ?? []);
  return {
    recipes,
    files: collected.recipes.length,
    cached: result.cached,
    parsed: collected.recipes.length - result.cached - result.errors.length,
    masked: collected.masked,
    errors,
    warnings,
  };
}

/** The line `tsbake -p` (and BitBake) prints at the end of parsing. */
export function summaryLine(s: ParseSummary): string {
  const targets = s.recipes.filter((r) => r.skipped === undefined).length;
  const skipped = s.recipes.filter((r) => r.skipped !== undefined).length;
  return `Parsing of ${s.files} .bb files complete (${s.cached} cached, ${s.parsed} parsed). ${targets} targets, ${skipped} skipped, ${s.masked} masked, ${s.errors.length} errors.`;
}
