/**
 * oe-core smoke test: a pinned, unmodified snapshot of openembedded-core (configuration,
 * classes, lib, files and a few recipe directories of every kind, see
 * tests/fixtures/oecore/README.md) is parsed as a new user would, and tsbake must say what
 * BitBake 2.19 said about it: the `-p` summary, the values of every variable in
 * variables.txt for every recipe in recipes.txt, and the task graph of `-g` (graph-targets.txt,
 * with graph.conf's ASSUME_PROVIDED standing in for the toolchain the snapshot lacks).
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareValues, readList, tsbakeValues, type Values } from '../../bench/oecore/values.js';
import { PACKAGE_ROOT } from '../../engine/core/package-root.js';
import { hasCommand, requireTool } from '../helpers/host-tools.js';

const FIXTURE = join(PACKAGE_ROOT, 'tests', 'fixtures', 'oecore');
const fixture = (name: string): string => join(FIXTURE, name);

interface Tree {
  readonly oecore: string;
  readonly topdir: string;
}

/** The snapshot unpacked next to a build directory configured like the reference run's. */
function unpack(): Tree {
  const root = mkdtempSync(join(tmpdir(), 'tsbake-oecore-'));
  const oecore = join(root, 'oe-core');
  const topdir = join(root, 'build');
  mkdirSync(oecore);
  mkdirSync(join(topdir, 'conf'), { recursive: true });
  const r = spawnSync('tar', ['-xJf', fixture('oe-core-subset.tar.xz'), '-C', oecore], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`unpacking the oe-core snapshot failed: ${r.stderr}`);
  writeFileSync(join(topdir, 'conf', 'bblayers.conf'), readFileSync(fixture('bblayers.conf'), 'utf8').replaceAll('@OECORE@', oecore));
  writeFileSync(join(topdir, 'conf', 'local.conf'), readFileSync(fixture('local.conf'), 'utf8'));
  return { oecore, topdir };
}

const env = (): NodeJS.ProcessEnv => ({ PATH: process.env['PATH'], HOME: process.env['HOME'] });

/** tsbake with no time limit of its own: on a loaded machine parsing takes minutes. */
function tsbake(topdir: string, args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [join(PACKAGE_ROOT, 'dist/engine/cli/main.js'), ...args], { cwd: topdir, env: env(), encoding: 'utf8' });
}

test('oe-core snapshot: -p reports what BitBake reports', (t) => {
  if (!requireTool(t, hasCommand('xz'), 'xz (Debian package xz-utils)')) return;
  const { topdir } = unpack();
  const r = tsbake(topdir, ['-p']);
  t.is(r.status, 0, r.stderr);
  t.is(r.stdout.trim(), readFileSync(fixture('expected-parse.txt'), 'utf8').trim());
});

test('oe-core snapshot: getvar of recipes of every kind equals BitBake', (t) => {
  if (!requireTool(t, hasCommand('xz'), 'xz (Debian package xz-utils)')) return;
  const { oecore, topdir } = unpack();
  const expected = JSON.parse(readFileSync(fixture('expected-values.json'), 'utf8')) as Values;
  const actual = tsbakeValues(topdir, readList(fixture('recipes.txt')), readList(fixture('variables.txt')), env());
  const result = compareValues(expected, actual, [
    [oecore, '@OECORE@'],
    [topdir, '@TOPDIR@'],
  ]);
  t.true(result.compared >= 900, `only ${result.compared} values compared`);
  t.deepEqual(result.mismatches, []);
});

test('oe-core snapshot: -g writes the task graph and pn-buildlist BitBake wrote', (t) => {
  if (!requireTool(t, hasCommand('xz'), 'xz (Debian package xz-utils)')) return;
  const { oecore, topdir } = unpack();
  appendFileSync(join(topdir, 'conf', 'local.conf'), readFileSync(fixture('graph.conf'), 'utf8'));
  const r = tsbake(topdir, ['-g', ...readFileSync(fixture('graph-targets.txt'), 'utf8').split(/\s+/).filter(Boolean)]);
  t.is(r.status, 0, r.stderr);
  t.is(readFileSync(join(topdir, 'task-depends.dot'), 'utf8').replaceAll(oecore, '@OECORE@'), readFileSync(fixture('expected-task-depends.dot'), 'utf8'));
  t.is(readFileSync(join(topdir, 'pn-buildlist'), 'utf8'), readFileSync(fixture('expected-pn-buildlist'), 'utf8'));
});
