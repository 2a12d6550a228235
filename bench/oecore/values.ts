/**
 * Variable values of oe-core recipes as tsbake reads them, in the shape that
 * bitbake-values.py writes for real BitBake, and the comparison of the two. The oe-core
 * bench and the oe-core smoke test share it.
 *
 *   node dist/bench/oecore/values.js BUILD_DIR RECIPES_FILE VARIABLES_FILE > values.json
 */
import { readFileSync } from 'node:fs';
import { storeForTarget } from '../../engine/cli/commands/env.js';
import { splitFlagQuery } from '../../engine/cli/commands/getvar.js';
import { openSession } from '../../engine/cli/session.js';
import { asText } from '../../engine/metadata/datastore.js';
import { showValue } from '../../engine/metadata/value.js';

/** recipe -> variable -> value (null when unset); `__error__` when the recipe cannot be read. */
export type Values = Record<string, Record<string, string | null>>;

export function readList(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/**
 * The values tsbake gives, one session for every recipe (as one `getvar -r` each would).
 * `variables` is one list for all recipes, or a list per recipe.
 */
export function tsbakeValues(
  buildDir: string,
  recipes: readonly string[],
  variables: readonly string[] | Readonly<Record<string, readonly string[]>>,
  env: NodeJS.ProcessEnv = process.env,
): Values {
  const session = openSession({ cwd: buildDir, env });
  const out: Values = {};
  for (const recipe of recipes) {
    const queries = Array.isArray(variables) ? variables : ((variables as Readonly<Record<string, readonly string[]>>)[recipe] ?? []);
    let store;
    try {
      store = storeForTarget(session, recipe);
    } catch (e) {
      out[recipe] = { __error__: e instanceof Error ? e.message : String(e) };
      continue;
    }
    const pn = asText(store.getVar('PN'));
    const row: Record<string, string | null> = {};
    for (const query of queries) {
      const { name, flag } = splitFlagQuery(query.replaceAll('${PN}', pn), undefined);
      try {
        const v = flag === undefined ? store.getVar(name) : store.getVarFlag(name, flag);
        row[query] = v === undefined || v === null ? null : showValue(v);
      } catch {
        row[query] = '__expansion_error__';
      }
    }
    out[recipe] = row;
  }
  return out;
}

export interface Mismatch {
  readonly recipe: string;
  readonly variable: string;
  readonly expected: string | null;
  readonly actual: string | null;
}

export interface Comparison {
  readonly compared: number;
  readonly agreed: number;
  readonly mismatches: readonly Mismatch[];
}

/** Values that differ between any two runs: each run's own is replaced by the name. */
const VOLATILE = ['DATETIME', 'DATE', 'TIME', 'PID'];
/**
 * Not compared: the tool's own bookkeeping (`__*`, `_task_deps`), its command line and
 * installation, its hash-equivalence server's address, and BitBake's datastore objects.
 */
const IGNORED = /^(__|_task_deps$|BB_CMDLINE$|BB_ORIGENV$|BITBAKEPATH$|BB_HASHSERVE$)/;

/**
 * Joined from a Python set (oe.utils.set_intersect): BitBake runs with a random hash seed,
 * so the order of the words changes from run to run and only the words are compared.
 */
const UNORDERED = new Set(['COMBINED_FEATURES']);
const words = (v: string | null): string | null => (v === null ? null : v.split(/\s+/).filter((w) => w !== '').sort().join(' '));

const rewriter =
  (pairs: ReadonlyArray<readonly [string, string]>) =>
  (v: string | null | undefined): string | null => {
    if (v === undefined || v === null) return null;
    let s = v;
    for (const [from, to] of pairs) if (from !== '') s = s.replaceAll(from, to);
    return s;
  };

/**
 * Each run's volatile values, longest first, to be replaced by their names; the python
 * process id that LOGFIFO names; and BITBAKEPATH (the tool's own bin/) taken out of PATH.
 */
function volatilePairs(values: Readonly<Record<string, string | null>> | undefined): Array<readonly [string, string]> {
  const pairs: Array<readonly [string, string]> = VOLATILE.map((name) => [values?.[name] ?? '', name] as const).filter(([v]) => v.length >= 4);
  const fifoPid = /\/fifo\.(\d+)$/.exec(values?.['LOGFIFO'] ?? '')?.[1];
  if (fifoPid) pairs.push([`.${fifoPid}`, '.PID']);
  const bitbakePath = values?.['BITBAKEPATH'];
  if (bitbakePath) pairs.push([`:${bitbakePath}:`, ':']);
  return pairs.sort((a, b) => b[0].length - a[0].length);
}

/**
 * Compares values after putting each build directory's path (`rewrite`) and each run's
 * date, time and process id in a neutral form: the two tools ran in different directories
 * at different times.
 */
export function compareValues(expected: Values, actual: Values, rewrite: ReadonlyArray<readonly [string, string]>): Comparison {
  const mismatches: Mismatch[] = [];
  let compared = 0;
  for (const [recipe, vars] of Object.entries(expected)) {
    const normE = rewriter([...rewrite, ...volatilePairs(vars)]);
    const normA = rewriter([...rewrite, ...volatilePairs(actual[recipe])]);
    for (const [variable, value] of Object.entries(vars)) {
      if (IGNORED.test(variable)) continue;
      compared++;
      const got = actual[recipe]?.[variable];
      const unordered = UNORDERED.has(variable);
      const a = unordered ? words(normA(got)) : normA(got);
      const e = unordered ? words(normE(value)) : normE(value);
      if (variable === '__error__' ? got === undefined : a !== e) mismatches.push({ recipe, variable, expected: e, actual: a });
    }
  }
  return { compared, agreed: compared - mismatches.length, mismatches };
}

if (process.argv[1]?.endsWith('/values.js') && process.argv.length === 5) {
  const [buildDir = '', recipes = '', variables = ''] = process.argv.slice(2);
  process.stdout.write(`${JSON.stringify(tsbakeValues(buildDir, readList(recipes), readList(variables)), null, 1)}\n`);
}
