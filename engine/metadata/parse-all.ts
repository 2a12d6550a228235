/**
 * Parsing every recipe BBFILES selects: RecipeInfo for each (and each BBCLASSEXTEND variant),
 * the counts `tsbake -p` reports, parse errors collected per file, and the check that every
 * bbappend applies to some recipe.
 */
import { trimHeap } from '../core/heap-trim.js';
import { throwIfInterrupted } from '../core/interrupt.js';
import { InterruptedError, LayerError, TsbakeError } from '../core/errors.js';
import { asText } from './datastore.js';
import { absolutePath, allDepends, fileDepends } from './evaluate.js';
import { appendMatches } from './collections.js';
import { basename } from './locate.js';
import type { FileStamp } from './parse-cache.js';
import { addStats, NO_PYTHON, type PythonStats } from './python-bridge.js';
import { countsOf, recipeInfo, type RecipeCounts, type RecipeInfo } from './recipe-info.js';
import type { MetadataSession } from './session.js';

export interface ParseSummary {
  /** Every recipe's infos, decoded on first use (a parse-cache hit does not need them for counts). */
  readonly recipes: readonly RecipeInfo[];
  /** Infos (variants) of every file, and how many of them are skipped. */
  readonly targets: number;
  readonly skipped: number;
  /** Equal identities, equal recipes and configuration (from the parse cache; undefined without one). */
  readonly identity: string | undefined;
  readonly files: number;
  readonly cached: number;
  readonly parsed: number;
  readonly masked: number;
  readonly errors: readonly TsbakeError[];
  /** What the recipes parsed now (not those from the cache) asked of Python. */
  readonly python: PythonStats;
}

export interface ParsedFile {
  readonly infos: RecipeInfo[];
  /** Every file the parse read or looked for (configuration included): the cache key. */
  readonly depends: string[];
  /** The content hash and stat of each of `depends` that the parse read, from the bytes it parsed. */
  readonly reads: Array<readonly [string, FileStamp]>;
  /** What parsing this file asked of Python. */
  readonly python: PythonStats;
  /** BB_DONT_CACHE: the parse must not be cached (a floating SRCREV, for one). */
  readonly noCache: boolean;
}

/** Parses one recipe file into RecipeInfo, one per variant. */
export function parseToInfo(session: MetadataSession, file: string): ParsedFile {
  trimHeap(); // each recipe's parse is garbage once its infos are made; results accumulate
  const where = session.collection.priorityOf(file);
  const host = session.config.store.env.python;
  const before = host.stats();
  const variants = session.parseRecipe(file);
  // RecipeInfo first: expanding its flags may look for more files (noteProbedFile).
  const infos = variants.map((v) => recipeInfo(v.store, file, v.variant, v.skipped, where, session.signer));
  const depends = new Set<string>();
  for (const v of variants) for (const d of allDepends(v.store)) depends.add(d);
  const noCache = variants.some((v) => asText(v.store.getVar('BB_DONT_CACHE')) !== '');
  // The recipe's own files (the configuration's are hashed once, for the configuration hash).
  const reads: Array<readonly [string, FileStamp]> = [];
  for (const v of variants) {
    for (const d of fileDepends(v.store)) {
      const path = absolutePath(d);
      const stamp = session.source.readStamp(path);
      if (stamp && !reads.some(([p]) => p === path)) reads.push([path, stamp]);
    }
  }
  return { infos, depends: [...depends], reads, python: addStats(host.stats(), before, -1), noCache };
}

/** What a loader found: each loaded file's counts, and everyone's infos on demand. */
export interface LoadedRecipes {
  readonly counts: ReadonlyMap<string, RecipeCounts>;
  readonly infos: () => ReadonlyMap<string, RecipeInfo[]>;
  readonly errors: TsbakeError[];
  readonly cached: number;
  readonly python?: PythonStats;
  readonly identity?: string;
}

/** A recipe source: the parse cache, or parsing on the spot. */
export type RecipeLoader = (files: readonly string[]) => LoadedRecipes;

export function sequentialLoader(session: MetadataSession): RecipeLoader {
  return (files) => {
    const infos = new Map<string, RecipeInfo[]>();
    const counts = new Map<string, RecipeCounts>();
    const errors: TsbakeError[] = [];
    let python = NO_PYTHON;
    for (const f of files) {
      try {
        const parsed = parseToInfo(session, f);
        infos.set(f, parsed.infos);
        counts.set(f, countsOf(parsed.infos));
        python = addStats(python, parsed.python);
      } catch (e) {
        if (!(e instanceof TsbakeError) || e instanceof InterruptedError) throw e;
        errors.push(e);
      }
    }
    return { counts, infos: () => infos, errors, cached: 0, python };
  };
}

/**
 * A bbappend that matches no recipe (a masked recipe's included) is fatal, as in BitBake 2.19,
 * which parses every recipe even for `bitbake-getvar -r`. BitBake 2.x dropped
 * BB_DANGLINGAPPENDS_WARNONLY; the error says so when a configuration still sets it.
 */
export function danglingAppendsError(session: MetadataSession): LayerError | undefined {
  const collected = session.files();
  const names = collected.recipes.map(basename);
  const exact = new Set(names);
  const dangling = collected.appends.filter(([target]) => !exact.has(target) && !(target.includes('%') && names.some((n) => appendMatches(target, n))));
  if (!dangling.length) return undefined;
  const stale = session.config.store.getVar('BB_DANGLINGAPPENDS_WARNONLY') !== undefined ? '; BB_DANGLINGAPPENDS_WARNONLY has no effect (BitBake 2.x removed it)' : '';
  return new LayerError(`no recipes in the configuration match these bbappends:\n  ${dangling.map(([, p]) => p).join('\n  ')}`, undefined, `remove them or mask them with BBMASK${stale}`);
}

export function parseAll(session: MetadataSession, load: RecipeLoader = sequentialLoader(session)): ParseSummary {
  const collected = session.files();
  const dangling = danglingAppendsError(session);
  const errors: TsbakeError[] = dangling ? [dangling] : [];
  const result = load(collected.recipes);
  throwIfInterrupted(); // the errors of recipes whose Python was stopped by Ctrl-C are not the user's
  errors.push(...result.errors);
  let recipes: RecipeInfo[] | undefined;
  let targets = 0;
  let skipped = 0;
  for (const f of collected.recipes) {
    const c = result.counts.get(f);
    targets += c?.targets ?? 0;
    skipped += c?.skipped ?? 0;
  }
  return {
    get recipes(): RecipeInfo[] {
      if (!recipes) {
        const infos = result.infos();
        recipes = collected.recipes.flatMap((f) => infos.get(f) ?? []);
      }
      return recipes;
    },
    targets,
    skipped,
    identity: result.identity,
    files: collected.recipes.length,
    cached: result.cached,
    parsed: collected.recipes.length - result.cached - result.errors.length,
    masked: collected.masked,
    errors,
    python: result.python ?? NO_PYTHON,
  };
}

/** Where parsing went to Python, per recipe parsed (`TSBAKE_PARSE_STATS=1 tsbake -p`). */
export function pythonStatsLine(s: ParseSummary): string {
  const p = s.python;
  const per = (n: number): string => (s.parsed ? (n / s.parsed).toFixed(1) : '0');
  return (
    `NOTE: python for ${s.parsed} recipe files parsed: ${p.fast + p.slow} \${@} evaluations (${p.fast} in TypeScript, ${p.slow} in python3; ${per(p.slow)} in python3 per file), ` +
    `${p.fastRuns} anonymous functions run in TypeScript (${per(p.fastRuns)} per file), ` +
    `${p.runs} other python3 runs (anonymous functions, handlers, filters; ${per(p.runs)} per file), ${p.calls} d calls from python3 (${per(p.calls)} per file), ` +
    `${(p.ms / 1000).toFixed(1)} s in python3 requests (${per(p.ms)} ms per file, summed over parse threads)`
  );
}

/** The line `tsbake -p` (and BitBake) prints at the end of parsing. */
export function summaryLine(s: ParseSummary): string {
  // BitBake counts every variant it parsed as a target, skipped ones included.
  return `Parsing of ${s.files} .bb files complete (${s.cached} cached, ${s.parsed} parsed). ${s.targets} targets, ${s.skipped} skipped, ${s.masked} masked, ${s.errors.length} errors.`;
}
