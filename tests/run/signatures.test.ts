/**
 * Signatures decide what runs again: a changed input reruns exactly the tasks that use it and
 * everything after them; vardeps, vardepsexclude, vardepvalue and file-checksums move the
 * line; the hashes do not depend on where the build directory is; the sigdata JSON beside a
 * stamp names every input with its value.
 */
import test from 'ava';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSiginfo } from '../../sstate/signature/siginfo.js';
import { makeLayer } from '../helpers/layer.js';
import { appendConf, bake, buildDirFor, LAYER_CONF, RUN_BASE, RUN_CONF, runLayer, sorted, stampHash, stamps, started, tasksSummary } from './run-layer.js';

/** lib's do_compile reads `body`; app DEPENDS on lib (app:do_compile waits for lib:do_install). */
function twoRecipes(libRecipe: string, conf = ''): string {
  return runLayer({ lib_1: libRecipe, app_1: 'DEPENDS = "lib"\n' }, { conf: `LIBFLAGS = "-O1"\nHIDDEN = "h1"\nOTHER = "o1"\nVER = "1"\n${conf}` });
}

const LIB_AND_AFTER = ['app:do_compile', 'app:do_install', 'lib:do_compile', 'lib:do_install'];

function firstBuild(t: { is(a: unknown, b: unknown, m?: string): void }, dir: string): void {
  const r = bake(dir, ['app']);
  t.is(r.status, 0, r.stderr + r.stdout);
  t.is(started(r.stdout).length, 6, r.stdout);
}

/** Appends to the configuration, rebuilds, and returns the tasks that ran again (sorted). */
function rerunAfter(dir: string, conf: string): string[] {
  appendConf(dir, conf);
  const r = bake(dir, ['app']);
  if (r.status !== 0) throw new Error(r.stderr + r.stdout);
  return sorted(started(r.stdout));
}

test('a changed variable reruns exactly the tasks that use it and everything after them', (t) => {
  const dir = twoRecipes('do_compile() {\n\techo ${LIBFLAGS}\n}\n');
  firstBuild(t, dir);
  const noop = bake(dir, ['app']);
  t.deepEqual(started(noop.stdout), []);
  t.deepEqual(tasksSummary(noop.stdout), { attempted: 7, skipped: 7, tail: 'all succeeded.' });
  t.deepEqual(rerunAfter(dir, 'UNUSED = "x"\n'), [], 'a variable no task reads changes nothing');
  t.deepEqual(rerunAfter(dir, 'LIBFLAGS = "-O2"\n'), LIB_AND_AFTER);
  t.deepEqual(rerunAfter(dir, ''), [], 'and then it is current again');
});

test('a change in app only reruns app’s tasks, never lib’s', (t) => {
  const dir = runLayer({ lib_1: '', app_1: 'DEPENDS = "lib"\ndo_install() {\n\techo ${APPVAR}\n}\n' }, { conf: 'APPVAR = "1"\n' });
  firstBuild(t, dir);
  t.deepEqual(rerunAfter(dir, 'APPVAR = "2"\n'), ['app:do_install']);
});

test('vardeps adds a variable the code does not name', (t) => {
  const dir = twoRecipes('do_compile() {\n\t:\n}\ndo_compile[vardeps] += "HIDDEN"\n');
  firstBuild(t, dir);
  t.deepEqual(rerunAfter(dir, 'OTHER = "o2"\n'), []);
  t.deepEqual(rerunAfter(dir, 'HIDDEN = "h2"\n'), LIB_AND_AFTER);
});

test('vardepsexclude removes a variable the code names', (t) => {
  const dir = twoRecipes('do_compile() {\n\techo ${OTHER} ${LIBFLAGS}\n}\ndo_compile[vardepsexclude] = "OTHER"\n');
  firstBuild(t, dir);
  t.deepEqual(rerunAfter(dir, 'OTHER = "o2"\n'), [], 'excluded');
  t.deepEqual(rerunAfter(dir, 'LIBFLAGS = "-O3"\n'), LIB_AND_AFTER, 'the rest still counts');
});

test('vardepvalue replaces the value that is hashed', (t) => {
  const dir = twoRecipes('do_compile() {\n\techo ${VER}\n}\n', 'VER[vardepvalue] = "fixed"\n');
  firstBuild(t, dir);
  t.deepEqual(rerunAfter(dir, 'VER = "2"\n'), [], 'VER’s own value is not hashed');
  t.deepEqual(rerunAfter(dir, 'VER[vardepvalue] = "fixed-2"\n'), LIB_AND_AFTER);
});

test('file-checksums: changed content reruns the task; a touch with the same content does not', (t) => {
  const dir = twoRecipes('do_compile() {\n\tcat ${TOPDIR}/files/input.txt\n}\ndo_compile[file-checksums] = "${TOPDIR}/files/input.txt:True"\n');
  mkdirSync(join(dir, 'files'));
  const input = join(dir, 'files/input.txt');
  writeFileSync(input, 'one\n');
  firstBuild(t, dir);
  utimesSync(input, new Date(), new Date(Date.now() + 5000));
  t.deepEqual(rerunAfter(dir, ''), [], 'same content');
  writeFileSync(input, 'two\n');
  t.deepEqual(rerunAfter(dir, ''), LIB_AND_AFTER);
});

test('a changed task body or class reruns that task and what follows', (t) => {
  const dir = twoRecipes('');
  firstBuild(t, dir);
  const base = join(dir, 'classes/base.bbclass');
  writeFileSync(base, readFileSync(base, 'utf8').replace('echo install ${PN}', 'echo installing ${PN}'));
  t.deepEqual(rerunAfter(dir, ''), ['app:do_compile', 'app:do_install', 'lib:do_install']);
});

test('the same layer built in two build directories gets identical stamp hashes', (t) => {
  const layer = makeLayer({
    'conf/layer.conf': LAYER_CONF,
    'conf/bitbake.conf': RUN_CONF + 'LIBFLAGS = "-O1"\n',
    'classes/base.bbclass': RUN_BASE,
    'recipes/lib_1.bb': 'do_compile() {\n\techo ${LIBFLAGS} ${WORKDIR} ${T}\n}\n',
    'recipes/app_1.bb': 'DEPENDS = "lib"\n',
  });
  const one = buildDirFor(layer);
  const two = buildDirFor(layer);
  for (const dir of [one, two]) {
    const r = bake(dir, ['app']);
    t.is(r.status, 0, r.stderr + r.stdout);
    t.is(started(r.stdout).length, 6, r.stdout);
  }
  t.is(stamps(one).length, 7);
  t.deepEqual(stamps(one), stamps(two));
});

test('the sigdata JSON sits next to the stamp, names the variables with their values and checks out', (t) => {
  const dir = twoRecipes('do_compile() {\n\techo ${LIBFLAGS}\n}\n');
  firstBuild(t, dir);
  const hash = stampHash(dir, 'lib', 'do_compile') ?? '';
  t.regex(hash, /^[0-9a-f]{16}$/);
  const file = join(dir, `tmp/stamps/lib.do_compile.sigdata.${hash}`);
  t.true(existsSync(file));
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  t.is(raw['task'], 'do_compile');
  t.is(raw['taskhash'], hash);
  const sig = readSiginfo(file); // recomputes both hashes from the record
  t.is(sig.taskhash, hash);
  t.true(sig.deps.includes('LIBFLAGS'));
  t.is(sig.values['LIBFLAGS'], '-O1');
  t.is(sig.values['do_compile'], '\techo ${LIBFLAGS}\n');
  t.deepEqual(Object.keys(sig.depHashes), ['lib:do_fetch']);
  t.is(sig.depHashes['lib:do_fetch'], stampHash(dir, 'lib', 'do_fetch'));
  t.false(sig.deps.includes('TOPDIR') || sig.deps.includes('TMPDIR'), 'BB_BASEHASH_IGNORE_VARS');
  // app:do_compile records lib:do_install's hash: the link that makes app rerun after lib.
  const app = readSiginfo(join(dir, `tmp/stamps/app.do_compile.sigdata.${stampHash(dir, 'app', 'do_compile') ?? ''}`));
  t.is(app.depHashes['lib:do_install'], stampHash(dir, 'lib', 'do_install'));
  // A noexec task has a stamp but did not run, so it has no sigdata.
  t.truthy(stampHash(dir, 'app', 'do_build'));
});

test('after a change, the old sigdata stays for comparison and the old stamp is gone', (t) => {
  const dir = twoRecipes('do_compile() {\n\techo ${LIBFLAGS}\n}\n');
  firstBuild(t, dir);
  const before = stampHash(dir, 'lib', 'do_compile') ?? '';
  rerunAfter(dir, 'LIBFLAGS = "-O2"\n');
  const after = stampHash(dir, 'lib', 'do_compile') ?? '';
  t.not(before, after);
  t.deepEqual(stamps(dir).filter((s) => s.startsWith('lib.do_compile.')), [`lib.do_compile.${after}`]);
  const old = readSiginfo(join(dir, `tmp/stamps/lib.do_compile.sigdata.${before}`));
  const now = readSiginfo(join(dir, `tmp/stamps/lib.do_compile.sigdata.${after}`));
  t.is(old.values['LIBFLAGS'], '-O1');
  t.is(now.values['LIBFLAGS'], '-O2');
});
