/**
 * Which recipe files exist and which bbappends apply to them: BBFILE_COLLECTIONS with their
 * patterns and priorities (derived from LAYERDEPENDS when unset), BBFILES globbed in priority
 * order, BBMASK, `%` wildcards in bbappend names.
 */
import { explodeDepVersions } from '../core/dep-versions.js';
import { LayerError } from '../core/errors.js';
import { compareVersionStrings } from '../core/version.js';
import { asText, type DataStore } from './datastore.js';
import { glob, type DirReader } from './glob.js';
import { basename } from './locate.js';
import { pythonMatch, pythonRegex } from './pyregex.js';
import { pySplit } from './pystr.js';

export interface Collection {
  readonly name: string;
  readonly pattern: string;
  readonly regex: RegExp;
  readonly priority: number;
}

/**
 * cooker.handleCollections: each collection's pattern and (possibly computed) priority. Like
 * BitBake it reports the first of the problems it meets only at the end, and forgets them when
 * a later collection has an empty BBFILE_PATTERN (BitBake resets its error flag there).
 */
export function collectionsOf(config: DataStore): Collection[] {
  const names = pySplit(asText(config.getVar('BBFILE_COLLECTIONS')));
  const explicit = new Map<string, number | undefined>();
  const depends = new Map<string, string[]>();
  let errors: string[] = [];
  let minPriority = 0;
  for (const c of names) {
    const raw = asText(config.getVar(`BBFILE_PRIORITY_${c}`));
    if (raw) {
      const p = Number.parseInt(raw, 10);
      if (!/^\s*[+-]?\d+\s*$/.test(raw)) throw new LayerError(`invalid value for BBFILE_PRIORITY_${c}: "${raw}"`);
      if (minPriority === 0 || p < minPriority) minPriority = p;
      explicit.set(c, p);
    } else explicit.set(c, undefined);
    const deps = dependencyVersions(asText(config.getVar(`LAYERDEPENDS_${c}`)), c);
    for (const [d, ops] of deps) {
      if (!names.includes(d)) errors.push(`Layer '${c}' depends on layer '${d}', but this layer is not enabled in your configuration`);
      else errors.push(...ops.flatMap((op) => layerVersionProblem(c, d, op, asText(config.getVar(`LAYERVERSION_${d}`)))));
    }
    depends.set(c, [...deps.keys()]);
  }
  const priority = (c: string, seen: Set<string> = new Set()): number => {
    const known = explicit.get(c);
    if (known !== undefined) return known;
    if (seen.has(c)) throw new LayerError(`LAYERDEPENDS of ${c} form a cycle`);
    let max = minPriority;
    for (const d of depends.get(c) ?? []) max = Math.max(max, priority(d, new Set([...seen, c])));
    explicit.set(c, max + 1);
    return max + 1;
  };
  const out: Collection[] = [];
  for (const name of names) {
    const pattern = config.getVar(`BBFILE_PATTERN_${name}`);
    if (pattern === undefined || pattern === null) {
      errors.push(`BBFILE_PATTERN_${name} not defined`);
      continue;
    }
    const text = asText(pattern);
    if (text === '') errors = [];
    const regex = text === '' ? /^NULL$/ : compiled(text, name, errors);
    if (regex) out.push({ name, pattern: text, regex, priority: priority(name) });
  }
  if (errors[0] !== undefined) throw new LayerError(errors[0]);
  return out;
}

function compiled(pattern: string, name: string, errors: string[]): RegExp | undefined {
  try {
    return pythonRegex(pattern, `BBFILE_PATTERN_${name}`);
  } catch {
    errors.push(`BBFILE_PATTERN_${name} "${pattern}" is not a valid regular expression`);
    return undefined;
  }
}

/** What is wrong with `layer` depending on version `op` (">= 2") of `dep`, whose LAYERVERSION is `version`. */
function layerVersionProblem(layer: string, dep: string, op: string, version: string): string[] {
  if (version === '') return [`Layer '${layer}' depends on version ${op} of layer '${dep}', which exists in your configuration but does not specify a version.`];
  const [cmp = '', wanted = ''] = op.split(' ');
  const holds = compareVersionStrings(version, wanted, cmp);
  if (holds === undefined) throw new LayerError(`Error parsing LAYERDEPENDS_${layer}: Unsupported comparison operator "${cmp}"`);
  return holds ? [] : [`Layer '${layer}' depends on version ${op} of layer '${dep}', but version ${version} is currently enabled in your configuration.`];
}

/** LAYERDEPENDS_<c>: each collection with its "OP VERSION" constraints (`a (>= 2) b`). */
function dependencyVersions(text: string, layer: string): Map<string, string[]> {
  const written = explodeDepVersions(text, (_problem, token) => {
    throw new LayerError(`Error parsing LAYERDEPENDS_${layer}: Invalid version specification in "(${token}" - invalid or missing operator`);
  });
  return new Map([...written].map(([name, constraints]) => [name, constraints.map((c) => `${c.op} ${c.version}`)]));
}

export interface CollectedFiles {
  /** Recipes in priority order (lowest first), as BitBake orders BBFILES. */
  readonly recipes: readonly string[];
  /** [recipe file name the append targets, bbappend path], in the same order. */
  readonly appends: ReadonlyArray<readonly [target: string, path: string]>;
  readonly masked: number;
  /** What BitBake warns about: a collection whose pattern matches no file, no recipe at all. */
  readonly warnings: readonly string[];
}

export class RecipeCollection {
  /** Sorted as BitBake sorts them: by pattern text, descending. */
  readonly #collections: Collection[];

  constructor(collections: readonly Collection[]) {
    this.#collections = [...collections].sort((a, b) => (a.pattern < b.pattern ? 1 : a.pattern > b.pattern ? -1 : 0));
  }

  /** [priority, collection name] of the first collection whose pattern matches `file`. */
  priorityOf(file: string): { priority: number; layer: string | undefined } {
    for (const c of this.#collections) if (pythonMatch(c.regex, file)) return { priority: c.priority, layer: c.name };
    return { priority: 0, layer: undefined };
  }

  collect(config: DataStore, fs: DirReader & { walk(dir: string): string[] }): CollectedFiles {
    const patterns = pySplit(asText(config.getVar('BBFILES')));
    const ordered = patterns.map((p, i) => ({ p, i, pri: this.priorityOf(p).priority })).sort((a, b) => a.pri - b.pri || a.i - b.i);
    // As BitBake's cooker, which leaves the sorted patterns in the configuration for metadata to read.
    config.setVar('BBFILES_PRIORITIZED', ordered.map((o) => o.p).join(' '));
    const files: string[] = [];
    const seen = new Set<string>();
    const add = (f: string): void => {
      if (!seen.has(f)) {
        seen.add(f);
        files.push(f);
      }
    };
    for (const { p } of ordered) {
      if (fs.list(p) !== undefined) {
        for (const f of fs.walk(p)) add(f);
        continue;
      }
      let found = glob(p, fs);
      if (found.length === 0 && fs.exists(p)) found = [p];
      for (const f of found.sort(byCodePoint)) add(f);
    }
    const mask = compileMask(asText(config.getVar('BBMASK')));
    const recipes: string[] = [];
    const appends: Array<readonly [string, string]> = [];
    let masked = 0;
    for (const f of files) {
      if (mask && mask.test(f)) {
        masked++;
        continue;
      }
      if (f.endsWith('.bb')) recipes.push(f);
      else if (f.endsWith('.bbappend')) appends.push([basename(f).replace('.bbappend', '.bb'), f]);
    }
    return { recipes, appends, masked, warnings: this.#warnings(config, files) };
  }

  #warnings(config: DataStore, files: readonly string[]): string[] {
    const out: string[] = [];
    if (files.length === 0) out.push(`no recipe files to build, check your BBPATH and BBFILES? (BBFILES = "${asText(config.getVar('BBFILES')).trim()}")`);
    for (const c of this.#collections) {
      if (asText(config.getVar(`BBFILE_PATTERN_IGNORE_EMPTY_${c.name}`)) === '1') continue;
      if (!files.some((f) => pythonMatch(c.regex, f))) out.push(`No bb files in default matched BBFILE_PATTERN_${c.name} '${c.pattern}'`);
    }
    // A layer whose layer.conf adds no collection: its recipes get no layer and no priority.
    for (const layer of pySplit(asText(config.getVar('BBLAYERS')))) {
      if (!this.#collections.some((c) => pythonMatch(c.regex, `${layer}/conf/layer.conf`))) {
        out.push(`layer ${layer} belongs to no collection: its conf/layer.conf adds nothing to BBFILE_COLLECTIONS (or BBFILE_PATTERN does not match it)`);
      }
    }
    return out;
  }
}

/**
 * The bbappends that apply to a recipe (`%` matches any rest of the name), in order, for
 * many recipes: a bbappend without `%` applies only to the recipe of
 * exactly its name, so those are looked up by name instead of testing every bbappend against
 * every recipe (1,000 recipes × 100 bbappends was a tenth of a warm parse).
 */
export function appendIndex(appends: CollectedFiles['appends']): (recipe: string) => string[] {
  const exact = new Map<string, Array<readonly [number, string]>>();
  const wildcard: Array<readonly [number, string, string]> = [];
  appends.forEach(([target, path], i) => {
    if (target.includes('%')) wildcard.push([i, target, path]);
    else {
      const list = exact.get(target);
      if (list) list.push([i, path]);
      else exact.set(target, [[i, path]]);
    }
  });
  return (recipe) => {
    const name = basename(recipe);
    const found = [...(exact.get(name) ?? [])];
    for (const [i, target, path] of wildcard) if (appendMatches(target, name)) found.push([i, path]);
    return found.sort((a, b) => a[0] - b[0]).map(([, path]) => path);
  };
}

/** Does a bbappend targeting `target` (its name with .bb) apply to the recipe file `name`? */
export function appendMatches(target: string, name: string): boolean {
  if (target === name) return true;
  const pct = target.indexOf('%');
  return pct >= 0 && target.startsWith(name.slice(0, pct));
}

function compileMask(bbmask: string): RegExp | undefined {
  if (!bbmask) return undefined;
  const parts: string[] = [];
  for (let m of pySplit(bbmask)) {
    if (m.startsWith('|')) m = m.slice(1);
    try {
      pythonRegex(m, 'BBMASK');
      parts.push(m);
    } catch {
      // BitBake ignores (and reports) an invalid entry; the rest still masks.
    }
  }
  return parts.length ? pythonRegex(parts.join('|'), 'BBMASK') : undefined;
}

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
