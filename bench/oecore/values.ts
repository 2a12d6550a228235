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

/** The values tsbake gives, one session for every recipe (as one `getvar -r` each would). */
export function tsbakeValues(buildDir: string, recipes: readonly string[], variables: readonly string[], env: NodeJS.ProcessEnv = process.env): Values {
  const session = openSession({ cwd: buildDir, env });
  const out: Values = {};
  for (const recipe of recipes) {
    let store;
    try {
      store = storeForTarget(session, recipe);
    } catch (e) {
      out[recipe] = { __error__: e instanceof Error ? e.message : String(e) };
      continue;
    }
    const pn = asText(store.getVar('PN'));
    const row: Record<string, string | null> = {};
    for (const query of variables) {
      const { name, flag } = splitFlagQuery(query.replaceAll('${PN}', pn), undefined);
      const v = flag === undefined ? store.getVar(name) : store.getVarFlag(name, flag);
      row[query] = v === undefined || v === null ? null : showValue(v);
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

/**
 * Compares values after putting each build directory's path (and anything else in
 * `rewrite`) in a neutral form: the two tools ran in different directories.
 */
export function compareValues(expected: Values, actual: Values, rewrite: ReadonlyArray<readonly [string, string]>): Comparison {
  const norm = (v: string | null | undefined): string | null => {
    if (v === undefined || v === null) return null;
    let s = v;
    for (const [from, to] of rewrite) s = s.replaceAll(from, to);
    return s;
  };
  const mismatches: Mismatch[] = [];
  let compared = 0;
  for (const [recipe, vars] of Object.entries(expected)) {
    for (const [variable, value] of Object.entries(vars)) {
      compared++;
      const got = actual[recipe]?.[variable];
      const a = norm(got);
      const e = norm(value);
      if (variable === '__error__' ? got === undefined : a !== e) mismatches.push({ recipe, variable, expected: e, actual: a });
    }
  }
  return { compared, agreed: compared - mismatches.length, mismatches };
}

if (process.argv[1]?.endsWith('/values.js') && process.argv.length === 5) {
  const [buildDir = '', recipes = '', variables = ''] = process.argv.slice(2);
  process.stdout.write(`${JSON.stringify(tsbakeValues(buildDir, readList(recipes), readList(variables)), null, 1)}\n`);
}
