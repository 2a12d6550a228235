/**
 * Degrade instead of failing: a shared-state cache that cannot be written is one warning and
 * the build goes on (outputs installed as usual); anonymous python that prints a lot runs once
 * and its output never reaches getvar's stdout.
 */
import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bake, command, RUN_BASE, runLayer } from '../run/run-layer.js';

const SSTATE_CONF = 'SSTATE_DIR = "${TOPDIR}/sstate-cache"\nSOURCE_DATE_EPOCH = "1700000000"\nDEPLOY_DIR = "${TMPDIR}/deploy"\n';
const SSTATE_CLASS = [
  'SSTATETASKS += "do_deploy"',
  'do_deploy() {',
  '\techo "${PN} deployed" > ${WORKDIR}/deploy-out/${PN}.txt',
  '}',
  'do_deploy[dirs] = "${WORKDIR}/deploy-out"',
  'do_deploy[cleandirs] = "${WORKDIR}/deploy-out"',
  'do_deploy[sstate-inputdirs] = "${WORKDIR}/deploy-out"',
  'do_deploy[sstate-outputdirs] = "${DEPLOY_DIR}"',
  'addtask deploy after do_install',
  'addtask deploy_setscene',
  'do_build[noexec] = "1"',
  'addtask build after do_deploy',
  '',
].join('\n');
const BASE = RUN_BASE.split('\n').filter((l) => !/build/.test(l)).join('\n') + '\n';

/** Makes `dir` read-only: a read-only bind mount as root (root ignores modes), else chmod. Returns the undo. */
function readOnly(t: ExecutionContext, dir: string): () => void {
  if (process.getuid?.() !== 0) {
    chmodSync(dir, 0o555);
    return () => chmodSync(dir, 0o755);
  }
  const run = (args: string[]): boolean => spawnSync('mount', args).status === 0;
  if (!run(['--bind', dir, dir]) || !run(['-o', 'remount,bind,ro', dir])) {
    t.log('cannot make a read-only bind mount; using a file where the directory should be');
    return () => undefined;
  }
  return () => void spawnSync('umount', [dir]);
}

for (const existing of [true, false]) {
  test(`a read-only SSTATE_DIR (${existing ? 'with objects' : 'new hashes'}) is one warning; the build succeeds`, (t) => {
    const dir = runLayer({ lib_1: '', app_1: 'DEPENDS = "lib"\n' }, { conf: SSTATE_CONF, base: BASE + SSTATE_CLASS });
    const cache = join(dir, 'sstate-cache');
    mkdirSync(cache);
    if (existing) t.is(bake(dir, ['lib']).status, 0);
    const undo = readOnly(t, cache);
    try {
      const r = bake(dir, ['app']);
      t.is(r.status, 0, r.stdout + r.stderr);
      const warnings = (r.stdout + r.stderr).match(/WARNING: .*shared-state cache .*sstate-cache cannot be written/g) ?? [];
      t.is(warnings.length, 1, r.stdout + r.stderr);
      t.true(statSync(join(dir, 'tmp/deploy/app.txt')).isFile(), 'the outputs were installed');
    } finally {
      undo();
    }
  });
}

test('an SSTATE_DIR under a regular file is the same warning', (t) => {
  const dir = runLayer({ app_1: '' }, { conf: SSTATE_CONF.replace('${TOPDIR}/sstate-cache', '${TOPDIR}/afile/sstate'), base: BASE + SSTATE_CLASS });
  writeFileSync(join(dir, 'afile'), 'x');
  const r = bake(dir, ['app']);
  t.is(r.status, 0, r.stdout + r.stderr);
  t.regex(r.stdout + r.stderr, /shared-state cache .*afile\/sstate cannot be written/);
});

test('anonymous python that prints a lot runs once and stays off getvar stdout', (t) => {
  const anon = "python () {\n    open(d.getVar('TOPDIR') + '/runs', 'a').write('x')\n    for i in range(20000):\n        print('noise', i)\n}\n";
  const dir = runLayer({ noisy_1: anon });
  const r = command(dir, ['getvar', '-r', 'noisy', 'PN']);
  t.is(r.status, 0, r.stderr.slice(-2000));
  t.is(r.stdout, 'noisy\n');
  t.is(spawnSync('cat', [join(dir, 'runs')], { encoding: 'utf8' }).stdout, 'x', 'the anonymous function ran once');
});

test('batched print() output keeps its place among bb.note messages', (t) => {
  const anon = 'python () {\n    print("one")\n    bb.note("two")\n    print("three")\n    bb.warn("four")\n}\n';
  const dir = runLayer({ order_1: anon });
  const r = command(dir, ['getvar', '-r', 'order', 'PN']);
  t.is(r.status, 0, r.stderr);
  t.is(r.stdout, 'order\n');
  t.deepEqual(
    r.stderr.split('\n').filter((l) => /one|two|three|four/.test(l)),
    ['one', 'NOTE: two', 'three', 'WARNING: four'],
  );
});
