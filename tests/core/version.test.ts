import test from 'ava';
import { vercmp, vercmpPart } from '../../engine/core/version.js';

const ORDER: ReadonlyArray<readonly [string, string, number]> = [
  ['1.0', '1.0', 0],
  ['1.10', '1.9', 1],
  ['1.0~rc1', '1.0', -1],
  ['1.0', '1.0.1', -1],
  ['1.0a', '1.0', 1],
  ['2.0+git', '2.0', 1],
  ['r10', 'r9', 1],
];

for (const [a, b, want] of ORDER) {
  test(`vercmp ${a} vs ${b}`, (t) => {
    t.is(Math.sign(vercmpPart(a, b)), want);
    t.is(Math.sign(vercmpPart(b, a)), want === 0 ? 0 : -want);
  });
}

test('the epoch decides first, then PV, then PR', (t) => {
  t.true(vercmp({ pe: '1', pv: '1.0', pr: 'r0' }, { pe: undefined, pv: '9.0', pr: 'r0' }) > 0);
  t.true(vercmp({ pe: undefined, pv: '1.0', pr: 'r2' }, { pe: undefined, pv: '1.0', pr: 'r10' }) < 0);
});
