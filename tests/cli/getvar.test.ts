import test from 'ava';
import { confLayer, makeLayer, PRELUDE, tsbake } from '../helpers/layer.js';

test('getvar prints the expanded value and exits 0; unset prints nothing and exits 1', (t) => {
  const dir = confLayer('A = "${B}/x"\nB = "b"\nF[doc] = "d"\n');
  t.deepEqual(tsbake(['getvar', 'A'], dir), { status: 0, stdout: 'b/x\n', stderr: '' });
  t.like(tsbake(['getvar', 'NOPE'], dir), { status: 1, stdout: '' });
  t.is(tsbake(['getvar', 'F[doc]'], dir).stdout, 'd\n');
  t.is(tsbake(['getvar', '--flag', 'doc', 'F'], dir).stdout, 'd\n');
});

test('with BBPATH and no bblayers.conf TOPDIR is the current directory', (t) => {
  const dir = confLayer('');
  t.is(tsbake(['getvar', 'TOPDIR'], dir).stdout, `${dir}\n`);
});

test('a reference cycle is an error that names the cycle (exit 2)', (t) => {
  const r = tsbake(['getvar', 'A'], confLayer('A = "${B}"\nB = "${C}"\nC = "${A}"\n'));
  t.is(r.status, 2);
  t.regex(r.stderr, /A -> B -> C -> A|cycle/);
});

test('a parse error names file and line (exit 2)', (t) => {
  const dir = confLayer('A = "1"\n B = "2"\n');
  const r = tsbake(['getvar', 'A'], dir);
  t.is(r.status, 2);
  t.true(r.stderr.startsWith(`${dir}/conf/bitbake.conf:4: error: unparsed line`), r.stderr);
});

test('--recipe reads a recipe with its bbappends', (t) => {
  const dir = makeLayer({
    'conf/bitbake.conf': PRELUDE,
    'meta/recipes-a/app/app_1.0.bb': 'V = "r"\n',
    'meta/recipes-a/app/app_%.bbappend': 'V .= "+a"\n',
  });
  t.is(tsbake(['getvar', '--recipe', `${dir}/meta/recipes-a/app/app_1.0.bb`, 'V'], dir).stdout, 'r+a\n');
});

test('--recipe parses every recipe first, as bitbake-getvar does: a broken or dangling one elsewhere is fatal (exit 2)', (t) => {
  const R = 'meta/recipes-a/app/app_1.0.bb';
  const broken = makeLayer({ 'conf/bitbake.conf': PRELUDE, [R]: 'A = "a"\n', 'meta/recipes-a/other/other_1.0.bb': 'this does not parse\n' });
  const r = tsbake(['getvar', '--recipe', `${broken}/${R}`, 'A'], broken);
  t.is(r.status, 2);
  t.true(r.stderr.startsWith(`${broken}/meta/recipes-a/other/other_1.0.bb:1: error: unparsed line`), r.stderr);
  const masked = makeLayer({ 'conf/bitbake.conf': PRELUDE + 'BBMASK = "recipes-a/other/"\n', [R]: 'A = "a"\n', 'meta/recipes-a/other/other_1.0.bb': 'this does not parse\n' });
  t.is(tsbake(['getvar', '--recipe', `${masked}/${R}`, 'A'], masked).stdout, 'a\n');
  const dangling = makeLayer({ 'conf/bitbake.conf': PRELUDE + 'BB_DANGLINGAPPENDS_WARNONLY = "1"\n', [R]: 'A = "a"\n', 'meta/recipes-a/gone/gone_1.0.bbappend': 'B = "b"\n' });
  const d = tsbake(['getvar', '--recipe', `${dangling}/${R}`, 'A'], dangling);
  t.is(d.status, 2);
  t.regex(d.stderr, /no recipes in the configuration match these bbappends:\n {2}.*gone_1\.0\.bbappend/);
  t.is(tsbake(['getvar', 'A'], dangling).status, 1, 'without a recipe only the configuration is read');
});
