import test from 'ava';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecipeSignatures } from '../../../sstate/signature/basehash.js';
import { diffSiginfo, makeSiginfo, readSiginfo, writeSiginfo, type RunInputs, type Siginfo } from '../../../sstate/signature/siginfo.js';
import { makeLayer, PRELUDE, recipeStore } from '../../helpers/layer.js';
import { PN_CONF } from '../../helpers/parse-session.js';

const R = 'meta/recipes-demo/demo/demo_1.0.bb';
const CONF = PRELUDE + PN_CONF + 'BB_BASEHASH_IGNORE_VARS = "TOPDIR TMPDIR FILE PATH HOME"\n';
const RECIPE = 'A = "1"\nB = "${A}"\nhelper() {\n\techo ${B}\n}\ndo_compile() {\n\thelper\n\techo ${GONE}\n}\naddtask compile\n';
const RUN: RunInputs = { depHashes: { 'lib:do_install': 'aaaa', 'zlib:do_install': 'bbbb' }, fileChecksums: [{ path: 'fix.patch', checksum: 'c1' }] };

function siginfo(recipe: string, run: RunInputs = RUN): Siginfo {
  const store = recipeStore(makeLayer({ 'conf/bitbake.conf': CONF, [R]: recipe }), R);
  return makeSiginfo(new RecipeSignatures(store).signature('do_compile'), run);
}

test('a siginfo round-trips through its file, written atomically', (t) => {
  const sig = siginfo(RECIPE);
  const dir = mkdtempSync(join(tmpdir(), 'tsbake-siginfo-'));
  const path = join(dir, 'sub/demo.do_compile.siginfo');
  writeSiginfo(path, sig);
  t.deepEqual(readdirSync(join(dir, 'sub')), ['demo.do_compile.siginfo'], 'no temp file is left behind');
  t.deepEqual(readSiginfo(path), sig);
  t.deepEqual(diffSiginfo(sig, readSiginfo(path)), []);
  t.is(sig.values['GONE'], null, 'unset is kept as null');
  t.deepEqual(Object.keys(sig.depHashes), ['lib:do_install', 'zlib:do_install']);
});

test('readSiginfo refuses a file whose hashes do not match its contents, or that is not one', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsbake-siginfo-'));
  const path = join(dir, 'x.siginfo');
  writeSiginfo(path, siginfo(RECIPE));
  writeFileSync(path, readFileSync(path, 'utf8').replace('"A": "1"', '"A": "2"'));
  t.throws(() => readSiginfo(path), { message: /hashes do not match/ });
  writeFileSync(path, '{"format": 1}');
  t.throws(() => readSiginfo(path), { message: /not a siginfo file: task is not a string/ });
  writeFileSync(path, 'garbage');
  t.throws(() => readSiginfo(path), { message: /not a siginfo file/ });
});

test('diffSiginfo names each changed input with old and new values', (t) => {
  const a = siginfo(RECIPE);
  t.deepEqual(diffSiginfo(a, siginfo(RECIPE + 'A = "2"\n')), [{ kind: 'variable-changed', name: 'A', old: '1', new: '2' }]);
  t.deepEqual(diffSiginfo(a, siginfo(RECIPE + 'helper() {\n\ttrue\n}\n')), [
    { kind: 'function-changed', name: 'helper', old: '\techo ${B}\n', new: '\ttrue\n' },
    { kind: 'variable-removed', name: 'A', value: '1' },
    { kind: 'variable-removed', name: 'B', value: '${A}' },
  ]);
  t.deepEqual(diffSiginfo(a, siginfo(RECIPE + 'GONE = "here ${NEW}"\n')), [
    { kind: 'variable-changed', name: 'GONE', old: null, new: 'here ${NEW}' },
    { kind: 'variable-added', name: 'NEW', value: null, by: ['GONE'] },
  ]);
  const code = diffSiginfo(a, siginfo(RECIPE + 'do_compile() {\n\thelper\n}\n'));
  t.is(code[0]?.kind, 'function-changed');
  t.like(code[0], { name: 'do_compile' });
});

test('diffSiginfo reports dependency hashes, files and taint', (t) => {
  const a = siginfo(RECIPE);
  const b = siginfo(RECIPE, {
    depHashes: { 'lib:do_install': 'aaab', 'new:do_install': 'cccc' },
    fileChecksums: [
      { path: 'fix.patch', checksum: 'c2' },
      { path: 'added.patch', checksum: 'd1' },
    ],
    taint: 'forced',
  });
  t.not(a.taskhash, b.taskhash);
  t.is(a.basehash, b.basehash);
  t.deepEqual(diffSiginfo(a, b), [
    { kind: 'dependency-hash-changed', task: 'lib:do_install', old: 'aaaa', new: 'aaab' },
    { kind: 'dependency-added', task: 'new:do_install', hash: 'cccc' },
    { kind: 'dependency-removed', task: 'zlib:do_install', hash: 'bbbb' },
    { kind: 'file-added', path: 'added.patch', checksum: 'd1' },
    { kind: 'file-checksum-changed', path: 'fix.patch', old: 'c1', new: 'c2' },
    { kind: 'taint-changed', old: null, new: 'forced' },
  ]);
});
