import test from 'ava';
import { formatRelations, mergeRelations, parseRelations, RelationSyntaxError } from '../../../engine/package/model/relations.js';

// Each row: BitBake string → bb.utils.join_deps(bb.utils.explode_dep_versions2(s), commasep=False)
// as real BitBake 2.19 prints it (checked with /work/bitbake's lib), with <</>> shown as </>.
const CASES: ReadonlyArray<readonly [string, string]> = [
  ['', ''],
  ['b a', 'a b'],
  ['a, b', 'a b'],
  ['foo (>= 1.0)', 'foo (>= 1.0)'],
  ['foo (>=1.0)', 'foo (>= 1.0)'],
  ['foo ( >= 1.0 )', 'foo (>= 1.0)'],
  ['foo (<< 2) foo (>> 1)', 'foo (< 2) foo (> 1)'],
  ['foo (=< 2) bar (=> 1) baz (== 3)', 'bar (>= 1) baz (= 3) foo (<= 2)'],
  ['foo foo (= 1.0-r0)', 'foo (= 1.0-r0)'],
  ['libc6 (>= 2.40) busybox', 'busybox libc6 (>= 2.40)'],
  ['x (= 1:2.0-r1)', 'x (= 1:2.0-r1)'],
];

for (const [input, expected] of CASES) {
  test(`explode_dep_versions2: ${JSON.stringify(input)}`, (t) => {
    t.is(formatRelations(parseRelations(input)), expected);
  });
}

test('operators become the model five, with the version apart', (t) => {
  t.deepEqual(parseRelations('a (<< 1.0) b'), [{ name: 'a', constraint: { op: '<', version: '1.0' } }, { name: 'b' }]);
});

test('an operator BitBake rejects is an error naming the text', (t) => {
  const e = t.throws(() => parseRelations('a (~ 1.0)'), { instanceOf: RelationSyntaxError });
  t.regex(e?.message ?? '', /invalid or missing operator/);
  t.throws(() => parseRelations('a (!= 1.0)'), { instanceOf: RelationSyntaxError });
});

test('merging keeps the name order and drops a bare name once it has a constraint', (t) => {
  const merged = mergeRelations(parseRelations('zlib libgreet'), parseRelations('libgreet (>= 1.0) zlib'));
  t.is(formatRelations(merged), 'libgreet (>= 1.0) zlib');
});
