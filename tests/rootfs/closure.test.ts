import test from 'ava';
import { dependencyOrder, resolveClosure, RootfsDependencyError, satisfies } from '../../engine/rootfs/closure.js';
import { catalogOf, fixtureSpec, type FixturePackage } from '../helpers/package-fixtures.js';

const catalog = (...pkgs: FixturePackage[]) => catalogOf(pkgs.map(fixtureSpec));
const names = (c: ReturnType<typeof resolveClosure>) => c.packages.map((p) => p.name);
const want = (install: string[], extra: { bad?: string[]; noRec?: boolean } = {}) => ({ install, badRecommendations: extra.bad ?? [], noRecommendations: extra.noRec ?? false });

test('dependencies come first; equal ranks go by name', (t) => {
  const c = resolveClosure(catalog({ name: 'hello', depends: ['libc', 'busybox'] }, { name: 'busybox', depends: ['libc'] }, { name: 'libc' }, { name: 'zz' }, { name: 'aa' }), want(['hello', 'zz', 'aa']));
  t.deepEqual(names(c), ['aa', 'libc', 'busybox', 'hello', 'zz']);
  t.deepEqual([...c.requested].sort(), ['aa', 'hello', 'zz']);
});

test('RPROVIDES resolves a virtual name; a versioned dependency checks the version', (t) => {
  const c = resolveClosure(catalog({ name: 'app', depends: ['virtual-sh', 'lib (>= 1.2)'] }, { name: 'dash', provides: ['virtual-sh'] }, { name: 'lib', version: '1.3-r0' }), want(['app']));
  t.deepEqual(names(c), ['dash', 'lib', 'app']);
  const e = t.throws(() => resolveClosure(catalog({ name: 'app', depends: ['lib (>= 2)'] }, { name: 'lib', version: '1.3-r0' }), want(['app'])), { instanceOf: RootfsDependencyError });
  t.regex(e.message, /Nothing RPROVIDES 'lib \(>= 2\)' \(only version 1.3-r0 was built\): needed by app <- IMAGE_INSTALL/);
});

test('a missing dependency names the package that needs it and the chain', (t) => {
  const e = t.throws(() => resolveClosure(catalog({ name: 'a', depends: ['b'] }, { name: 'b', depends: ['nope'] }), want(['a'])), { instanceOf: RootfsDependencyError });
  t.regex(e.message, /Nothing RPROVIDES 'nope': needed by b <- a <- IMAGE_INSTALL/);
});

test('recommendations follow unless BAD_RECOMMENDATIONS or NO_RECOMMENDATIONS; missing ones are skipped', (t) => {
  const cat = catalog({ name: 'a', recommends: ['r1', 'r2', 'ghost'] }, { name: 'r1' }, { name: 'r2' });
  const all = resolveClosure(cat, want(['a']));
  t.deepEqual(names(all), ['a', 'r1', 'r2']);
  t.deepEqual(all.skippedRecommendations, ['ghost (recommended by a)']);
  t.deepEqual(names(resolveClosure(cat, want(['a'], { bad: ['r2'] }))), ['a', 'r1']);
  t.deepEqual(names(resolveClosure(cat, want(['a'], { noRec: true }))), ['a']);
});

test('RCONFLICTS between two packages of the image is an error naming both and why they are there', (t) => {
  const e = t.throws(() => resolveClosure(catalog({ name: 'a', depends: ['b'] }, { name: 'b' }, { name: 'c', conflicts: ['b'] }), want(['a', 'c'])), { instanceOf: RootfsDependencyError });
  t.regex(e.message, /c conflicts with b \(RCONFLICTS:c = "b"\): c <- IMAGE_INSTALL; b <- a <- IMAGE_INSTALL/);
});

test('a dependency cycle is an error that shows the cycle', (t) => {
  const e = t.throws(() => dependencyOrder(['a', 'b', 'c'], new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]])), { instanceOf: RootfsDependencyError });
  t.is(e.message, 'Dependency cycle between packages: a -> b -> c -> a');
});

const cases: Array<[string, string, string, boolean]> = [
  ['1.2-r0', '>=', '1.2', true],
  ['1.2-r0', '>', '1.2', false],
  ['1.10-r0', '>', '1.9', true],
  ['1.2-r1', '=', '1.2-r1', true],
  ['1.2-r1', '<', '1.2-r2', true],
  ['1:0.1-r0', '>', '2.0', true],
];
for (const [have, op, v, ok] of cases) {
  test(`version ${have} ${op} ${v} is ${String(ok)}`, (t) => {
    t.is(satisfies(have, { name: 'x', constraint: { op: op as '>=', version: v } }), ok);
  });
}
