import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bake } from '../../run/run-layer.js';
import { fixture, packageLayer, pkgdest, workdir } from './package-layer.js';

const layer = (): string =>
  packageLayer(Object.fromEntries(['qa-unshipped', 'qa-skip', 'qa-expanded', 'qa-warn'].map((pn) => [`${pn}_1.0`, fixture(`${pn}_1.0.bb`)])));

const packageLog = (dir: string, pn: string): string => readFileSync(join(workdir(dir, pn), 'temp/log.do_package'), 'utf8');

test('installed-vs-shipped: oe-core wording, the recipe file, the list and the hint; the task fails', (t) => {
  const dir = layer();
  const r = bake(dir, ['qa-unshipped']);
  t.is(r.status, 1);
  const recipe = join(dir, 'recipes/qa-unshipped_1.0.bb');
  const log = packageLog(dir, 'qa-unshipped');
  t.true(
    log.includes(
      [
        `ERROR: QA Issue: ${recipe}: qa-unshipped: Files/directories were installed but not shipped in any package:`,
        '  /opt',
        '  /opt/stray',
        '  /opt/stray/file',
        'Please set FILES such that these items are packaged. Alternatively if they are unneeded, avoid installing them or delete them within do_install.',
        'qa-unshipped: 3 installed and not shipped files.',
      ].join('\n'),
    ),
    log,
  );
  t.regex(log, /hint: add the paths to FILES:<package> of a package in PACKAGES/);
  t.regex(log, /\[installed-vs-shipped\]/);
  t.false(existsSync(join(pkgdest(dir, 'qa-unshipped'), 'qa-unshipped.spec.json')));
});

test('INSANE_SKIP:${PN} skips installed-vs-shipped', (t) => {
  const dir = layer();
  t.is(bake(dir, ['qa-skip']).status, 0);
  t.regex(packageLog(dir, 'qa-skip'), /NOTE: Package qa-skip skipping QA tests: installed-vs-shipped/);
  t.true(existsSync(join(pkgdest(dir, 'qa-skip'), 'qa-skip.spec.json')));
});

test('expanded-d: a script holding the value of ${D} is an error naming recipe, package and script', (t) => {
  const dir = layer();
  t.is(bake(dir, ['qa-expanded']).status, 1);
  const log = packageLog(dir, 'qa-expanded');
  t.true(log.includes(`ERROR: QA Issue: ${join(dir, 'recipes/qa-expanded_1.0.bb')}: qa-expanded: pkg_postinst:qa-expanded contains the expanded value of \${D} (${join(workdir(dir, 'qa-expanded'), 'image')}); use $D instead`), log);
});

test('script-abs-path and legacy-script-name warn, naming the line and the BitBake 2 spelling; the build goes on', (t) => {
  const dir = layer();
  const r = bake(dir, ['qa-warn']);
  t.is(r.status, 0);
  t.regex(r.stdout + r.stderr, /WARNING: qa-warn:do_package: QA Issue: .*pkg_postinst:qa-warn line 4 writes to \/etc\/qa-warn\.conf/);
  const log = packageLog(dir, 'qa-warn');
  const recipe = join(dir, 'recipes/qa-warn_1.0.bb');
  t.true(log.includes(`WARNING: QA Issue: ${recipe}: qa-warn: pkg_postinst:qa-warn line 4 writes to /etc/qa-warn.conf without $D`), log);
  t.false(log.includes('/etc/fine'));
  t.true(log.includes(`WARNING: QA Issue: ${recipe}: qa-warn: pkg_prerm_qa-warn uses the old underscore spelling, which BitBake 2 ignores (the script would never run); name it pkg_prerm:qa-warn [legacy-script-name]`), log);
});
