import test from 'ava';
import { confLayer, configStore, value } from '../helpers/layer.js';

/** Each row: configuration text and the values BitBake 2.19 gives for it. */
const CASES: ReadonlyArray<readonly [name: string, conf: string, expected: Readonly<Record<string, string | undefined>>]> = [
  ['= replaces; empty is set', 'A = "1"\nA = "2"\nE = ""\n', { A: '2', E: '' }],
  ['?= sets only an unset variable, first wins', 'Q ?= "a"\nQ ?= "b"\nR = "x"\nR ?= "y"\n', { Q: 'a', R: 'x' }],
  ['??= is a default: last wins, anything real replaces it', 'W ??= "a"\nW ??= "b"\nV ??= "a"\nV ?= "b"\n', { W: 'b', V: 'b' }],
  ['+= and =+ add one space even to an unset variable', 'A += "x"\nB =+ "y"\n', { A: ' x', B: 'y ' }],
  ['.= and =. add no space', 'A = "a"\nA .= "b"\nB = "b"\nB =. "a"\n', { A: 'ab', B: 'ab' }],
  ['+= and .= do not see a ??= default, :append does', 'A ??= "w"\nA += "x"\nB ??= "w"\nB:append = " x"\nC ??= "w"\nC .= "x"\n', { A: ' x', B: 'w x', C: 'x' }],
  [':= expands now, keeping unresolved references', 'X = "a"\nI := "${X}-${Y}"\nX = "b"\nY = "y"\n', { I: 'a-y' }],
  [':= sees pending :append', 'B = "c"\nB:append = "+"\nS := "${B}"\nB = "z"\n', { S: 'c+', B: 'z+' }],
  ['a plain = keeps a pending :append; unset drops it', 'A:append = "-x"\nA = "1"\nB = "b"\nB:append = "-y"\nunset B\nB = "2"\n', { A: '1-x', B: '2' }],
  ['inactive conditional :append leaves a variable unset', 'N:append:nope = "z"\n', { N: undefined }],
  ['X:append += keeps the space of +=', 'O = "a"\nO:append += "b"\n', { O: 'a b' }],
  ['undefined references stay literal', 'M = "${NOPE}/bin $X ${}"\n', { M: '${NOPE}/bin $X ${}' }],
  ['A+="a" is +=, A+ = "b" assigns A+', 'A+="a"\nA+ = "b"\n', { A: ' a', 'A+': 'b' }],
  ['backslash-quote is not an escape', 'Q = "a\\"b\\""\n', { Q: 'a\\"b\\"' }],
  ['export sets [export] = 1 only', 'export E\nexport F = "f"\n', { E: undefined, 'E[export]': '1', F: 'f', 'F[export]': '1' }],
];

for (const [name, conf, expected] of CASES) {
  test(name, (t) => {
    const store = configStore(confLayer(conf));
    for (const [q, want] of Object.entries(expected)) t.is(value(store, q), want, q);
  });
}
