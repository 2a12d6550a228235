import test from 'ava';
import { extremum, increaseRevision, revisionGreater, revisionSmaller } from '../../engine/prserv/revision.js';

const SMALLER: ReadonlyArray<readonly [string, string, boolean]> = [
  ['0', '1', true],
  ['1', '0', false],
  ['1', '1', false],
  ['2', '10', true],
  ['1.0', '1', false],
  ['1', '1.0', false],
  ['1.2', '1.10', true],
  ['1.9', '2', true],
  ['3.1', '3', false],
];

for (const [a, b, expected] of SMALLER) {
  test(`revisionSmaller(${a}, ${b}) is ${expected}`, (t) => t.is(revisionSmaller(a, b), expected));
}

test('increaseRevision bumps the last field', (t) => {
  t.is(increaseRevision('0'), '1');
  t.is(increaseRevision('9'), '10');
  t.is(increaseRevision('1.2.3'), '1.2.4');
  t.throws(() => increaseRevision('1.x'), { message: /cannot increase PR revision/ });
});

test('revisionGreater is strict and extremum picks by field order', (t) => {
  t.false(revisionGreater('1', '1'));
  t.true(revisionGreater('10', '9'));
  t.is(extremum(['2', '10', '9.5'], true), '10');
  t.is(extremum(['2', '10', '1.5'], false), '1.5');
  t.is(extremum([], true), undefined);
});
