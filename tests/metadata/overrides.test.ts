import test from 'ava';
import { confLayer, configStore, value } from '../helpers/layer.js';

const CASES: ReadonlyArray<readonly [name: string, conf: string, expected: Readonly<Record<string, string | undefined>>]> = [
  ['the rightmost active override wins', 'OVERRIDES = "a:b:c"\nX:c = "c"\nX = "base"\nX:a = "a"\nX:z = "z"\n', { X: 'c' }],
  ['multi-part variants: X:red:green beats X:blue, X:green:red does not', 'OVERRIDES = "red:green:blue"\nS:blue = "blue"\nS:red:green = "rg"\nT:blue = "blue"\nT:green:red = "gr"\n', { S: 'rg', T: 'blue' }],
  ['A:append:o differs from A:o:append', 'OVERRIDES = "o"\nA = "a"\nA:o = "v"\nA:o:append = "+1"\nA:append:o = "+2"\nA:append:p = "+3"\n', { A: 'v+1+2' }],
  [':prepend stacks in front of earlier ones', 'P = "x"\nP:prepend = "1"\nP:prepend = "2"\n', { P: '21x' }],
  [':remove runs last and keeps separators', 'R = "a b c b"\nR:remove = "b"\nR:append = " b d"\n', { R: 'a  c   d' }],
  [':remove of nothing changes nothing', 'K = "  x  "\nK:remove = "y"\n', { K: '  x  ' }],
  ['X:o reads the variant directly', 'OVERRIDES = "o"\nX = "x"\nX:p = "p"\nY = "${X:p}"\n', { Y: 'p' }],
  ['OVERRIDES is read lazily', 'A = "no"\nA:late = "yes"\nOVERRIDES = "${L}"\nL = "late"\n', { A: 'yes' }],
  ['override names start with a lower-case letter or digit', 'OVERRIDES = "Big:x86"\nA = "a"\nA:Big = "big"\nB = "b"\nB:x86 = "x"\n', { A: 'a', B: 'x' }],
  ['pn-${PN} tailoring', 'PN = "demo"\nOVERRIDES = "pn-${PN}"\nF = "f"\nF:pn-demo = "demo"\nF:append:pn-other = "!"\n', { F: 'demo' }],
  ['unset detaches variants', 'OVERRIDES = "o"\nM = "m"\nM:o = "mo"\nunset M\nM = "again"\n', { M: 'again', 'M:o': 'mo' }],
];

for (const [name, conf, expected] of CASES) {
  test(name, (t) => {
    const store = configStore(confLayer(conf));
    for (const [q, want] of Object.entries(expected)) t.is(value(store, q), want, q);
  });
}
