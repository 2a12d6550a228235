import test from 'ava';
import { appendFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeLayer, PRELUDE, tsbake } from '../helpers/layer.js';
import { command, runLayer } from '../run/run-layer.js';

const demo = (): string =>
  makeLayer({
    'conf/bitbake.conf': PRELUDE + 'PN = "${@bb.parse.vars_from_file(d.getVar(\'FILE\', False),d)[0] or \'defaultpkgname\'}"\nPV = "1.0"\nPR = "r0"\nGREETING = "hello"\n',
    'meta/recipes-a/app/app_1.0.bb': 'GREETING:append = " world"\nBROKEN = "${@undefined_name}"\n',
  });

test('-e shows each variable with its history (file:line and operation)', (t) => {
  const dir = demo();
  const out = tsbake(['-e', 'app'], dir).stdout;
  t.regex(out, new RegExp(`# \\$GREETING \\[2 operations\\]\\n#   set ${dir}/conf/bitbake.conf:\\d+\\n#     "hello"\\n#   :append ${dir}/meta/recipes-a/app/app_1.0.bb:1\\n#     " world"`));
  t.regex(out, /\nGREETING="hello world"\n/);
  t.regex(out, /# expansion of BROKEN threw/);
});

test('-e TARGET shows _task_deps as bitbake -e does, and no BBFILES_PRIORITIZED, which only getvar sees', (t) => {
  const dir = demo();
  const env = tsbake(['-e', 'app'], dir).stdout;
  t.regex(env, /^_task_deps="\{'tasks': \['do_build'\], 'parents': \{'do_build': \[\]\}, 'mcdepends': \{\}, 'depends': \{'do_build': ''\},/m);
  t.notRegex(env, /BBFILES_PRIORITIZED/);
  t.regex(tsbake(['getvar', '-r', 'app', 'BBFILES_PRIORITIZED'], dir).stdout, /recipes/);
});

test('-e TARGET with non-ASCII text in a task flag still shows the recipe, without _task_deps', (t) => {
  const dir = demo();
  appendFileSync(join(dir, 'meta/recipes-a/app/app_1.0.bb'), 'do_build[depends] = "caf\u00e9:do_build"\n');
  const r = tsbake(['-e', 'app'], dir);
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /^GREETING="hello world"$/m);
  t.notRegex(r.stdout, /^_task_deps=/m);
});

test('-e of a BBCLASSEXTEND target parses it without FILE_LAYERNAME, as bitbake -e does; getvar -r keeps the layer', (t) => {
  const dir = makeLayer({
    'conf/bitbake.conf':
      PRELUDE +
      'PN = "${@bb.parse.vars_from_file(d.getVar(\'FILE\', False),d)[0] or \'defaultpkgname\'}"\nPV = "1.0"\n' +
      'BBFILE_COLLECTIONS = "mine"\nBBFILE_PATTERN_mine = "^${TOPDIR}/meta/"\nBBFILE_PRIORITY_mine = "5"\nFILE_LAYERNAME ??= "config"\nOVERRIDES = "layer-${FILE_LAYERNAME}"\n',
    'classes/native.bbclass': 'CLASSOVERRIDE = "class-native"\n',
    'meta/recipes-a/app/app_1.0.bb': 'BBCLASSEXTEND = "native"\nWHERE = "plain"\nWHERE:layer-mine = "mine"\n',
  });
  const env = tsbake(['-e', 'app-native'], dir).stdout;
  t.regex(env, /^WHERE="plain"$/m);
  t.notRegex(env, /^FILE_LAYERNAME=/m);
  t.regex(tsbake(['-e', 'app'], dir).stdout, /^WHERE="mine"$/m);
  t.is(tsbake(['getvar', '-r', 'app-native', 'WHERE'], dir).stdout, 'mine\n');
});

test('-e shows a python function that has only a :prepend body as None, as bitbake -e does', (t) => {
  const dir = demo();
  appendFileSync(join(dir, 'meta/recipes-a/app/app_1.0.bb'), 'python pkgcopy:prepend () {\n    pass\n}\n');
  t.regex(tsbake(['-e', 'app'], dir).stdout, /\npython pkgcopy:prepend \(\) \{\nNone\}\n/);
});

test('-e lists anonymous python functions under their __anon_LINE_PATH names, after a blank line closing the shell functions', (t) => {
  const dir = demo();
  appendFileSync(join(dir, 'meta/recipes-a/app/app_1.0.bb'), 'python () {\n    d.setVar("ANON", "1")\n}\n');
  const name = `__anon_5_${join(dir, 'meta/recipes-a/app/app_1.0.bb').replace(/[/.+\-@%&~]/g, '_')}`;
  const out = tsbake(['-e', 'app'], dir).stdout;
  t.true(out.includes(`\n}\n\n\n\npython ${name} () {\ndef ${name}(d):\n    d.setVar("ANON", "1")\n}\n`), out);
});

test('-e TARGET finds a recipe whose PN is unset by its file name, as BitBake\'s recipe cache does', (t) => {
  const dir = makeLayer({ 'conf/bitbake.conf': PRELUDE + 'A = "a"\n', 'meta/recipes-a/app/app_1.0.bb': 'B = "b"\n' });
  const r = tsbake(['-e', 'app'], dir);
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /^B="b"$/m);
  t.notRegex(r.stdout, /^PN=/m);
});

test('-e without a target shows the configuration datastore with its history', (t) => {
  const dir = demo();
  const r = tsbake(['-e'], dir);
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, new RegExp(`# \\$GREETING\\n#   set ${dir}/conf/bitbake.conf:\\d+\\n#     "hello"\\nGREETING="hello"\\n`));
  t.notRegex(r.stdout, /hello world/, 'no recipe was applied');
  t.notRegex(r.stdout, /^BROKEN=/m);
});

test('-e without a target still shows the environment when a renamed variable was written, but fails as bitbake -e does', (t) => {
  const dir = demo();
  appendFileSync(join(dir, 'conf/bitbake.conf'), 'BB_RENAMED_VARIABLES[OLDV] = "NEWV"\nOLDV[doc] = "x"\n');
  const r = tsbake(['-e'], dir);
  t.is(r.status, 1, r.stderr);
  t.regex(r.stdout, /^_FAILPARSINGERRORHANDLED="True"$/m);
  t.regex(r.stderr, /Variable OLDV has been renamed to NEWV/);
});

test('a LAYERDEPENDS on a missing layer fails a configuration getvar, as bitbake-getvar does, but not -e without a target, as bitbake -e', (t) => {
  const dir = makeLayer({
    'conf/bitbake.conf': PRELUDE + 'A = "a"\n',
    'conf/bblayers.conf': 'BBLAYERS = "${TOPDIR}/la"\n',
    'la/conf/layer.conf': 'BBPATH .= ":${LAYERDIR}"\nBBFILE_COLLECTIONS += "la"\nBBFILE_PATTERN_la = "^${LAYERDIR}/"\nLAYERDEPENDS_la = "nothere"\n',
  });
  const r = tsbake(['getvar', 'A'], dir);
  t.not(r.status, 0);
  t.regex(r.stderr, /Layer 'la' depends on layer 'nothere', but this layer is not enabled/);
  const env = tsbake(['-e'], dir);
  t.is(env.status, 0, env.stderr);
  t.regex(env.stdout, /^A="a"$/m);
});

test('-p reports the summary line', (t) => {
  const dir = demo();
  t.is(tsbake(['-p'], dir).stdout, 'Parsing of 1 .bb files complete (0 cached, 1 parsed). 1 targets, 0 skipped, 0 masked, 0 errors.\n');
});

test('show-layers lists each layer with its collection and priority; show-recipes names the layer and puts the preferred version first', (t) => {
  // PREFERRED_VERSION picks the older version, so "first" cannot mean "highest".
  const dir = runLayer({ 'app_1.0': '', 'app_2.0': '', 'lib_1.0': '' }, { conf: 'PREFERRED_VERSION_app = "1.0"\n' });
  const layers = command(dir, ['show-layers']);
  t.is(layers.status, 0, layers.stderr);
  t.regex(layers.stdout, new RegExp(`^t +${dir} +5$`, 'm'));
  const recipes = command(dir, ['show-recipes']);
  t.is(recipes.status, 0, recipes.stderr);
  t.regex(recipes.stdout, /^app:\n {2}t +1\.0-r0 \(preferred\)\n {2}t +2\.0-r0\n/m);
  t.regex(recipes.stdout, /^lib:\n {2}t +1\.0-r0\n/m);
});

test('with no build directory and no BBPATH, ./build is made from the templates', (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'tsbake-fresh-'));
  const r = tsbake(['show-layers'], cwd, {});
  t.is(r.status, 0, r.stderr);
  t.true(existsSync(join(cwd, 'build/conf/bblayers.conf')));
  t.true(existsSync(join(cwd, 'build/conf/local.conf')));
  t.regex(r.stdout, /sample +\S+\/recipes +5/);
});

test('the sample layer builds core-minimal; with TMPDIR gone it comes back from shared state, running no task that has a setscene', (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'tsbake-sample-'));
  const first = tsbake(['--no-progress', 'core-minimal'], cwd, {});
  t.is(first.status, 0, first.stderr);
  const summary = /Tasks Summary: Attempted (\d+) tasks of which 0 didn't need to be rerun and all succeeded\./.exec(first.stdout);
  t.truthy(summary, first.stdout);
  t.true(existsSync(join(cwd, 'build/tmp/sysroots-components/core2-64/musl/usr/include/musl-version.h')));
  t.regex(tsbake(['--no-progress', 'core-minimal'], cwd, {}).stdout, new RegExp(`Attempted ${summary?.[1]} tasks of which ${summary?.[1]} didn't`));
  rmSync(join(cwd, 'build/tmp'), { recursive: true });
  const again = tsbake(['--no-progress', 'core-minimal'], cwd, {});
  t.is(again.status, 0, again.stderr);
  t.regex(again.stdout, /Sstate summary: Wanted (\d+) Local \1 Mirrors 0 Missed 0 Current 0 \(100% match, 0% complete\)/);
  t.notRegex(again.stdout, /Running task .*:do_(?!build)/);
  t.true(existsSync(join(cwd, 'build/tmp/sysroots-components/core2-64/musl/usr/include/musl-version.h')));
});
