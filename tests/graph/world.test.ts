import test from 'ava';
import { ParseError, GraphError } from '../../engine/core/errors.js';
import { pythonExtraDepends } from '../../engine/graph/extra-depends.js';
import { recipeInfo, type RecipeInfo } from '../../engine/metadata/recipe-info.js';
import { makeLayer, PRELUDE, recipeStore } from '../helpers/layer.js';
import { hasCommand, requireTool } from '../helpers/host-tools.js';
import { PN_CONF } from '../helpers/parse-session.js';

const R = 'meta/recipes-x/a/a_1.0.bb';

function info(recipe: string): RecipeInfo {
  const store = recipeStore(makeLayer({ 'conf/bitbake.conf': PRELUDE + PN_CONF, [R]: recipe }), R);
  return recipeInfo(store, R, '', undefined, { layer: undefined, priority: 0 });
}

test('EXCLUDE_FROM_WORLD is read as bb.utils.to_boolean reads it; another word is an error naming the recipe', (t) => {
  t.false(info('').excludeFromWorld);
  t.false(info('EXCLUDE_FROM_WORLD = "0"\n').excludeFromWorld);
  t.false(info('EXCLUDE_FROM_WORLD = "No"\n').excludeFromWorld);
  t.true(info('EXCLUDE_FROM_WORLD = "1"\n').excludeFromWorld);
  t.true(info('EXCLUDE_FROM_WORLD = "YES"\n').excludeFromWorld);
  const e = t.throws(() => info('EXCLUDE_FROM_WORLD = "maybe"\n'), { instanceOf: ParseError });
  t.is(e?.where?.file, R);
  t.regex(e?.message ?? '', /EXCLUDE_FROM_WORLD = "maybe" is not a boolean/);
});

const EXTRA = 'DEPENDS = "zlib"\nWANT = "b"\npython calculate_extra_depends() {\n    deps.extend(sorted(world_target) + ["${WANT}", self_pn + "-x", str(len(pkg_pn))])\n}\n';

test('calculate_extra_depends runs on deps, world_target, pkg_pn and self_pn; its expanded body is in RecipeInfo', (t) => {
  if (!requireTool(t, hasCommand('python3'), 'python3 (Debian package python3)')) return;
  const a = info(EXTRA);
  t.true(a.calculateExtraDepends?.includes('"b"'));
  t.is(info('').calculateExtraDepends, undefined);
  const extra = pythonExtraDepends([a], () => ['w2', 'w1']);
  // DEPENDS first, then what the function appended, in its order.
  t.deepEqual(extra(a), ['zlib', 'w1', 'w2', 'b', 'a-x', '1']);
});

test('a calculate_extra_depends that raises is a GraphError naming the recipe and the Python error', (t) => {
  if (!requireTool(t, hasCommand('python3'), 'python3 (Debian package python3)')) return;
  const a = info('python calculate_extra_depends() {\n    raise ValueError("no world here")\n}\n');
  const e = t.throws(() => pythonExtraDepends([a], () => [])(a), { instanceOf: GraphError });
  t.regex(e?.message ?? '', /calculate_extra_depends of a failed: .*ValueError: no world here/);
  t.is(e?.where?.file, R);
});
