/**
 * A recipe's `calculate_extra_depends` python function (oe-core's meta-world-pkgdata uses it
 * to depend on every `world` recipe): BitBake runs it when the recipe joins the build, with
 * `deps` (its DEPENDS, which the function extends), `world_target`, `pkg_pn` (PN → files) and
 * `self_pn`. Run here in a one-off python3, as only such recipes need it.
 */
import { spawnSync } from 'node:child_process';
import { GraphError } from '../core/errors.js';
import { virtualFile, type RecipeInfo } from '../metadata/recipe-info.js';

/** The recipe's DEPENDS after its `calculate_extra_depends` ran. */
export type ExtraDepends = (recipe: RecipeInfo) => readonly string[];

// As BitBake's add_extra_deps: the body becomes a function of the parameters, then is called.
const RUNNER = `
import json, sys
job = json.load(sys.stdin)
params = {'deps': job['deps'], 'world_target': set(job['world_target']), 'pkg_pn': job['pkg_pn'], 'self_pn': job['self_pn']}
name = '_%s_calculate_extra_depends' % job['self_pn'].replace('-', '_')
names = ','.join(params)
exec(compile('def %s(%s):\\n%s\\n\\n%s(%s)' % (name, names, job['body'], name, names), 'calculate_extra_depends', 'exec'), {}, params)
json.dump(params['deps'], sys.stdout)
`;

export function pythonExtraDepends(all: readonly RecipeInfo[], worldTarget: () => readonly string[]): ExtraDepends {
  const pkgPn: Record<string, string[]> = {};
  for (const r of all) if (r.skipped === undefined) (pkgPn[r.pn] ??= []).push(virtualFile(r));
  return (recipe) => {
    if (recipe.calculateExtraDepends === undefined) return recipe.depends;
    const job = { body: recipe.calculateExtraDepends, deps: [...recipe.depends], world_target: worldTarget(), pkg_pn: pkgPn, self_pn: recipe.pn };
    const r = spawnSync('python3', ['-c', RUNNER], { input: JSON.stringify(job), encoding: 'utf8', maxBuffer: 1 << 28 });
    const where = { file: recipe.file, line: 0 };
    if (r.error) throw new GraphError(`calculate_extra_depends of ${recipe.pn} could not run python3: ${r.error.message}`, where);
    if (r.status !== 0) throw new GraphError(`calculate_extra_depends of ${recipe.pn} failed: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`, where);
    const deps: unknown = JSON.parse(r.stdout);
    if (!Array.isArray(deps) || !deps.every((d): d is string => typeof d === 'string')) throw new GraphError(`calculate_extra_depends of ${recipe.pn} left deps that are not a list of names`, where);
    return [...new Set(deps)];
  };
}
