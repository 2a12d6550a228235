import test from 'ava';
import { join } from 'node:path';
import type { DataStore } from '../../../engine/metadata/datastore.js';
import { recipeInfo } from '../../../engine/metadata/recipe-info.js';
import { taskList } from '../../../engine/metadata/tasks.js';
import { basehash, RecipeSignatures, taskBasehashes, taskSignature } from '../../../sstate/signature/basehash.js';
import { makeLayer, openLayer, PRELUDE, recipeStore } from '../../helpers/layer.js';
import { PN_CONF } from '../../helpers/parse-session.js';

const R = 'meta/recipes-demo/demo/demo_1.0.bb';
const IGNORE = 'BB_BASEHASH_IGNORE_VARS = "TOPDIR TMPDIR FILE FILE_DIRNAME PATH HOME CACHE BBPATH BBFILES"\n';
const CONF = PRELUDE + PN_CONF + IGNORE + 'TMPDIR = "${TOPDIR}/tmp"\nWORKDIR = "${TMPDIR}/work/${PN}"\nS = "${WORKDIR}/src"\n';

/** A recipe with three shell tasks and one python task over a few variables. */
const RECIPE = `
CFLAGS = "-O2 \${EXTRA}"
EXTRA = "-g"
GREETING = "hello"
UNRELATED = "x"

helper() {
\techo "\${GREETING}"
}

do_configure() {
\tcd \${S}
\techo "\${CFLAGS}" > flags
}

do_compile() {
\thelper
\t# UNRELATED in a comment does not count, nor does 'helper2' quoted
\techo 'helper2' "$(printf %s x)"
}

python do_report() {
    bb.note(d.getVar('GREETING'))
}

addtask configure
addtask compile after do_configure
addtask report
`;

function hashes(files: Readonly<Record<string, string>>): Record<string, string> {
  const store = recipeStore(makeLayer(files), R);
  return Object.fromEntries(taskBasehashes(store, taskList(store)));
}

/** The tasks whose basehash differs between two hash maps. */
function changed(a: Record<string, string>, b: Record<string, string>): string[] {
  return Object.keys(a)
    .filter((k) => a[k] !== b[k])
    .sort();
}

const base = (extra = '', conf = ''): Record<string, string> => hashes({ 'conf/bitbake.conf': CONF + conf, [R]: RECIPE + extra });

test('changing a variable changes exactly the basehashes of the tasks that use it, transitively', (t) => {
  const before = base();
  t.deepEqual(changed(before, base('EXTRA = "-g3"\n')), ['do_configure'], 'EXTRA reaches do_configure through CFLAGS');
  t.deepEqual(changed(before, base('GREETING = "hi"\n')), ['do_compile', 'do_report'], 'through helper, and through getVar');
  t.deepEqual(changed(before, base('UNRELATED = "y"\n')), [], 'a comment mentioning it is no reference');
  t.deepEqual(changed(before, base('S = "${WORKDIR}/other"\n')), ['do_configure']);
  t.deepEqual(base(), before, 'deterministic');
});

test('a shell function the task calls is a dependency, with its body', (t) => {
  const store = recipeStore(makeLayer({ 'conf/bitbake.conf': CONF, [R]: RECIPE }), R);
  const sig = taskSignature(store, 'do_compile');
  t.true(sig.deps.includes('helper'));
  t.true(sig.deps.includes('GREETING'), 'helper references GREETING');
  t.false(sig.deps.includes('helper2'), 'a quoted word is not a command');
  t.true(sig.functions.includes('helper'));
  t.deepEqual(sig.gendeps['do_compile'], ['helper']);
  const before = base();
  t.deepEqual(changed(before, base('helper() {\n\techo "${GREETING}!"\n}\n')), ['do_compile']);
});

test("a python function's getVar, exec_func and calls of other python functions are dependencies", (t) => {
  const recipe = `
A = "1"
B = "2"
C = "3"
def util(d):
    return d.getVar('C')
sub() {
\ttrue
}
python do_py() {
    x = d.getVar("A") + d.getVarFlag('B', 'doc')
    bb.build.exec_func('sub', d)
    util(d)
}
addtask py
`;
  const store = recipeStore(makeLayer({ 'conf/bitbake.conf': CONF, [R]: recipe }), R);
  const sig = taskSignature(store, 'do_py');
  for (const dep of ['A', 'B[doc]', 'sub', 'util', 'C']) t.true(sig.deps.includes(dep), dep);
  t.false(sig.deps.includes('B'), 'getVarFlag depends on the flag only');
  t.is(sig.values['B[doc]'], null, 'an unset flag is unset, not empty');
});

test('vardeps adds, vardepsexclude removes, vardepvalue replaces the value and its references', (t) => {
  const before = base();
  t.deepEqual(changed(before, base('do_configure[vardeps] += "UNRELATED"\n')), ['do_configure']);
  const withDep = base('do_configure[vardeps] += "UNRELATED"\n');
  t.deepEqual(changed(withDep, base('do_configure[vardeps] += "UNRELATED"\nUNRELATED = "y"\n')), ['do_configure']);
  const excluded = base('do_configure[vardepsexclude] = "CFLAGS"\n');
  t.deepEqual(changed(excluded, base('do_configure[vardepsexclude] = "CFLAGS"\nEXTRA = "-g3"\n')), [], 'CFLAGS and what only it uses are gone');
  const fixed = base('CFLAGS[vardepvalue] = "fixed"\n');
  t.deepEqual(changed(fixed, base('CFLAGS[vardepvalue] = "fixed"\nEXTRA = "-g3"\n')), [], 'the fixed value has no references');
  t.deepEqual(changed(fixed, base('CFLAGS[vardepvalue] = "other"\n')), ['do_configure']);
  const cut = base('CFLAGS[vardepvalueexclude] = " ${EXTRA}"\n');
  t.deepEqual(changed(cut, base('CFLAGS[vardepvalueexclude] = " ${EXTRA}"\nCFLAGS:append = " ${EXTRA}"\n')), [], 'the excluded text is cut out');
});

test('BB_BASEHASH_IGNORE_VARS drops a variable and what only it references', (t) => {
  const ignoring = base('', 'BB_BASEHASH_IGNORE_VARS += "CFLAGS"\n');
  t.deepEqual(changed(ignoring, hashes({ 'conf/bitbake.conf': CONF + 'BB_BASEHASH_IGNORE_VARS += "CFLAGS"\n', [R]: RECIPE + 'EXTRA = "x"\n' })), []);
  const store = recipeStore(makeLayer({ 'conf/bitbake.conf': CONF, [R]: RECIPE }), R);
  const sig = taskSignature(store, 'do_configure');
  t.false(sig.deps.includes('TMPDIR'), 'S -> WORKDIR -> TMPDIR stops at the ignored TMPDIR');
  t.true(sig.deps.includes('WORKDIR'));
  t.true(sig.ignoredVars.includes('TOPDIR'));
});

test('an undefined reference is a dependency with value null, distinct from ""', (t) => {
  const recipe = 'do_x() {\n\techo ${MAYBE}\n}\naddtask x\n';
  const unset = hashes({ 'conf/bitbake.conf': CONF, [R]: recipe });
  const empty = hashes({ 'conf/bitbake.conf': CONF, [R]: recipe + 'MAYBE = ""\n' });
  t.not(unset['do_x'], empty['do_x']);
  const store = recipeStore(makeLayer({ 'conf/bitbake.conf': CONF, [R]: recipe }), R);
  t.is(taskSignature(store, 'do_x').values['MAYBE'], null);
});

test(':remove, :append and overrides change the hashed value; the value stays unexpanded', (t) => {
  const recipe = 'LIST = "a b c"\ndo_x() {\n\techo ${LIST} ${S}\n}\naddtask x\n';
  const plain = hashes({ 'conf/bitbake.conf': CONF, [R]: recipe });
  t.not(plain['do_x'], hashes({ 'conf/bitbake.conf': CONF, [R]: recipe + 'LIST:remove = "b"\n' })['do_x']);
  t.not(plain['do_x'], hashes({ 'conf/bitbake.conf': CONF, [R]: recipe + 'LIST:append = " d"\n' })['do_x']);
  const store = recipeStore(makeLayer({ 'conf/bitbake.conf': CONF + 'OVERRIDES = "o"\n', [R]: recipe + 'LIST:o = "x ${EXTRA2}"\nLIST:remove = "x"\n' }), R);
  const sig = taskSignature(store, 'do_x');
  t.regex(sig.values['LIST'] ?? '', /^x \$\{EXTRA2\}\n_remove of x$/);
  t.true(sig.deps.includes('EXTRA2'));
  t.is(sig.values['S'], '${WORKDIR}/src', 'no build path');
});

test('exported variables are dependencies of shell tasks, not of python tasks', (t) => {
  const recipe = 'export TZ = "UTC"\ndo_sh() {\n\ttrue\n}\npython do_py() {\n    pass\n}\naddtask sh\naddtask py\n';
  const before = hashes({ 'conf/bitbake.conf': CONF, [R]: recipe });
  const after = hashes({ 'conf/bitbake.conf': CONF, [R]: recipe + 'TZ = "CET"\n' });
  t.deepEqual(changed(before, after), ['do_build', 'do_sh'], "base.bbclass's do_build is a shell task too");
});

test('task flags count only through BB_SIGNATURE_EXCLUDE_FLAGS, as in BitBake', (t) => {
  const recipe = RECIPE + 'do_configure[umask] = "022"\ndo_configure[dirs] = "${S}"\n';
  const noList = hashes({ 'conf/bitbake.conf': CONF, [R]: recipe });
  t.deepEqual(changed(noList, hashes({ 'conf/bitbake.conf': CONF, [R]: recipe + 'do_configure[umask] = "077"\n' })), []);
  const list = 'BB_SIGNATURE_EXCLUDE_FLAGS = "doc deps depends func python task dirs cleandirs filename lineno vardeps vardepsexclude"\n';
  const withList = hashes({ 'conf/bitbake.conf': CONF + list, [R]: recipe });
  t.deepEqual(changed(withList, hashes({ 'conf/bitbake.conf': CONF + list, [R]: recipe + 'do_configure[umask] = "077"\n' })), ['do_configure']);
  t.deepEqual(changed(withList, hashes({ 'conf/bitbake.conf': CONF + list, [R]: recipe + 'do_configure[dirs] = "${S}/b"\n' })), [], 'dirs is excluded');
});

test('prefuncs and postfuncs are dependencies of the task', (t) => {
  const recipe = RECIPE + 'pre() {\n\t:\n}\ndo_report[prefuncs] = "pre"\n';
  const before = hashes({ 'conf/bitbake.conf': CONF, [R]: recipe });
  t.deepEqual(changed(before, hashes({ 'conf/bitbake.conf': CONF, [R]: recipe + 'pre() {\n\ttrue\n}\n' })), ['do_report']);
});

test('the same layer in two directories gives identical basehashes', (t) => {
  const files = { 'conf/bitbake.conf': CONF, [R]: RECIPE + 'do_install() {\n\tinstall -d ${S}/x ${TOPDIR}/y\n}\naddtask install\n' };
  const a = hashes(files);
  const b = hashes(files);
  t.deepEqual(a, b);
  t.is(Object.keys(a).length, 5);
});

test('a broken variable fails only the tasks that use it, naming the task and the chain', (t) => {
  const recipe = RECIPE + 'BROKEN = "${@undefined_name}"\nUSER_OF_BROKEN = "${BROKEN}"\ndo_bad() {\n\techo ${USER_OF_BROKEN}\n}\naddtask bad\n';
  const dir = makeLayer({ 'conf/bitbake.conf': CONF, [R]: recipe });
  const store = recipeStore(dir, R);
  t.notThrows(() => taskBasehashes(store, taskList(store)), 'the static analysis expands nothing');
  const sigs = new RecipeSignatures(store);
  t.notThrows(() => sigs.signature('do_compile'));
  const e = t.throws(() => sigs.signature('do_bad'));
  t.regex(e?.message ?? '', /^cannot compute the signature of do_bad: Failure expanding variable BROKEN/);
  t.regex(e?.message ?? '', /chain for the failure is: BROKEN -> USER_OF_BROKEN -> do_bad$/);
});

test('the parse-time basehash in RecipeInfo equals the run-time one from a fresh parse', (t) => {
  const dir = makeLayer({ 'conf/bitbake.conf': CONF, [R]: RECIPE });
  const session = openLayer(dir);
  const [v] = session.parseRecipe(join(dir, R));
  if (!v) return t.fail('no recipe');
  const info = recipeInfo(v.store, join(dir, R), v.variant, v.skipped, { layer: undefined, priority: 0 }, taskBasehashes);
  const fresh: DataStore = recipeStore(dir, R);
  const sigs = new RecipeSignatures(fresh);
  t.is(info.tasks.length, 4);
  for (const task of info.tasks) {
    t.regex(task.basehash, /^[0-9a-f]{16}$/);
    const sig = sigs.signature(task.name);
    t.is(sig.basehash, task.basehash, task.name);
    t.is(basehash(sig), task.basehash, 'recomputed from the record');
  }
  const noSigner = recipeInfo(v.store, join(dir, R), v.variant, v.skipped, { layer: undefined, priority: 0 });
  t.is(noSigner.tasks[0]?.basehash, '', 'without a signer there is no basehash');
});
