import test from 'ava';
import { confLayer, configStore, value } from '../helpers/layer.js';

test('flags take every operator and ignore overrides', (t) => {
  const s = configStore(
    confLayer('F[a] = "1"\nF[a] += "2"\nF[b] ??= "w"\nF[b] .= "x"\nF[c] ?= "q"\nF[c] ?= "r"\nF[d] := "${V}"\nV = "v"\nOVERRIDES = "o"\nF:o[doc] = "od"\nF[doc] = "d"\n'),
  );
  t.is(value(s, 'F[a]'), '1 2');
  t.is(value(s, 'F[b]'), 'x');
  t.is(value(s, 'F[c]'), 'q');
  t.is(value(s, 'F[d]'), 'v', ':= kept the unresolved reference, which resolves when read');
  t.is(value(s, 'F[doc]'), 'd');
  t.is(value(s, 'F:o[doc]'), 'od');
  t.is(value(s, 'F'), undefined, 'a variable with only flags is unset');
});

test('unset VAR[flag] removes a set flag but not a lone ??= default', (t) => {
  const s = configStore(confLayer('R[mode] ??= "0644"\nunset R[mode]\nR[owner] = "root"\nR[owner] ??= "x"\nunset R[owner]\n'));
  t.is(value(s, 'R[mode]'), '0644');
  t.is(value(s, 'R[owner]'), undefined);
});
