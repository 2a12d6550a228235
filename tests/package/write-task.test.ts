/**
 * do_package_write_{deb,rpm,ipk,tar} as builtins in a real build: every format in
 * PACKAGE_CLASSES lands in ${DEPLOY_DIR_<FMT>}/<arch>/ and passes the validators; a build
 * from an empty TMPDIR restores the packages from sstate and runs none of the writers.
 * do_package is stood in for by a builtin that leaves a hand-written spec and its payload
 * in ${PKGDEST}, as the real one does.
 */
import test from 'ava';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { forgetDirs } from '../../engine/core/fs.js';
import { PACKAGE_ROOT } from '../../engine/core/package-root.js';
import { taskBuiltins } from '../../engine/cli/builtins.js';
import { loadRecipes } from '../../engine/cli/recipes.js';
import { openSession } from '../../engine/cli/session.js';
import { asText } from '../../engine/metadata/datastore.js';
import type { TaskBuiltin } from '../../engine/run/builtin.js';
import { build } from '../../engine/run/pipeline.js';
import { runLayer } from '../run/run-layer.js';
import { makeFixture } from './fixture.js';
import { assertValid, requireValidators, type Format } from './tools.js';

const FORMATS: readonly Format[] = ['deb', 'rpm', 'ipk', 'tar'];
const classes = Object.fromEntries(FORMATS.map((f) => [`classes/package_${f}.bbclass`, readFileSync(join(PACKAGE_ROOT, 'recipes/classes', `package_${f}.bbclass`), 'utf8')]));

const CONF = [
  'PKGDEST = "${WORKDIR}/packages-split"',
  'DEPLOY_DIR = "${TMPDIR}/deploy"',
  ...FORMATS.map((f) => `DEPLOY_DIR_${f.toUpperCase()} = "\${DEPLOY_DIR}/${f}"`),
  'SSTATE_DIR = "${TOPDIR}/sstate-cache"',
  'SOURCE_DATE_EPOCH = "1700000000"',
  'TARGET_ARCH = "x86_64"',
  'PACKAGE_ARCH = "core2-64"',
  'PACKAGE_CLASSES = "package_deb package_rpm package_ipk package_tar"',
  'INHERIT += "${PACKAGE_CLASSES}"',
  '',
].join('\n');

const BASE = [
  'python do_package() {\n    bb.fatal("stood in for by the test")\n}',
  'addtask package',
  'do_package[dirs] = "${PKGDEST}"',
  'addtask packagedata after do_package',
  'do_packagedata[noexec] = "1"',
  'do_build[noexec] = "1"',
  'addtask build',
  '',
].join('\n');

async function bakeWith(dir: string, calls: string[]): Promise<number> {
  const session = openSession({ cwd: dir, env: process.env, tracking: false });
  const counted = (name: string, fn: TaskBuiltin): [string, TaskBuiltin] => [name, (ctx) => (calls.push(name), fn(ctx))];
  const doPackage: TaskBuiltin = async (ctx) => {
    const pkgdest = asText(ctx.store.getVar('PKGDEST'));
    const fx = await makeFixture(join(pkgdest, '..', 'fixture'));
    await cp(fx.payloadRoot, join(pkgdest, fx.spec.name), { recursive: true, verbatimSymlinks: true });
    await writeFile(join(pkgdest, `${fx.spec.name}.spec.json`), JSON.stringify(fx.spec));
  };
  const builtins = new Map([...[...taskBuiltins()].map(([n, f]) => counted(n, f)), counted('do_package', doPackage)]);
  return build(
    session,
    { loadRecipes: (warn) => loadRecipes(session, warn), builtins: async () => builtins },
    { targets: ['demo'], task: undefined, invalidate: undefined, force: false, keepGoing: false, dryRun: false, runall: undefined, runonly: undefined, graphviz: false },
    { emit: () => undefined, note: () => undefined, signal: new AbortController().signal, env: process.env },
  );
}

test('do_package_write_* write every PACKAGE_CLASSES format into DEPLOY_DIR_<FMT>/<arch>/, and come back from sstate', async (t) => {
  if (!requireValidators(t)) return;
  const dir = runLayer({ demo_1: 'SUMMARY = "demo"\n' }, { conf: CONF, base: BASE, extra: classes });
  const calls: string[] = [];
  t.is(await bakeWith(dir, calls), 0);
  t.deepEqual([...calls].sort(), ['do_package', 'do_package_write_deb', 'do_package_write_ipk', 'do_package_write_rpm', 'do_package_write_tar']);
  const expected: Record<Format, string> = {
    deb: 'deb/core2-64/demo_2.0-rc1-r0_amd64.deb',
    rpm: 'rpm/core2_64/demo-2.0+rc1-r0.core2_64.rpm',
    ipk: 'ipk/core2-64/demo_2.0-rc1-r0_core2-64.ipk',
    tar: 'tar/core2-64/demo-2.0-rc1-r0.tar.zst',
  };
  const deploy = join(dir, 'tmp/deploy');
  for (const f of FORMATS) assertValid(t, f, join(deploy, expected[f]));
  const bytes = FORMATS.map((f) => readFileSync(join(deploy, expected[f])));

  rmSync(join(dir, 'tmp'), { recursive: true, force: true });
  forgetDirs(join(dir, 'tmp')); // this process remembers the directories it made
  const again: string[] = [];
  t.is(await bakeWith(dir, again), 0);
  t.false(again.some((c) => c.startsWith('do_package_write_')), `ran ${again.join(' ')}`);
  FORMATS.forEach((f, i) => t.deepEqual(readFileSync(join(deploy, expected[f])), bytes[i], `${f} restored from sstate`));
  t.false(existsSync(join(deploy, 'deb/core2-64', 'tmp')));
  t.deepEqual(readdirSync(join(deploy, 'deb/core2-64')), ['demo_2.0-rc1-r0_amd64.deb']);
});
