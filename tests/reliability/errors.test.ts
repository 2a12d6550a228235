/**
 * Errors that say where: Python exceptions and a dying python3 worker name the recipe, the
 * function and its line; the worker is restarted for the next recipe; BBFILES that matches
 * nothing and a layer without a collection are warnings, as in BitBake.
 */
import test from 'ava';
import { command, runLayer } from '../run/run-layer.js';

const ONLY_BUILD = 'do_build[noexec] = "1"\naddtask build\n';
const STACK = /\n\s+at |RangeError|TypeError/;

test('a failing := names the recipe and its line', (t) => {
  const dir = runLayer({ err_1: 'A = "1"\nBAR := "${@ 1/0 }"\n' }, { base: ONLY_BUILD });
  const r = command(dir, ['getvar', '-r', 'err', 'BAR']);
  t.is(r.status, 2);
  t.regex(r.stderr, /recipes\/err_1\.bb:2: error: .*ZeroDivisionError/);
});

test('a failing lazy ${@} names the recipe', (t) => {
  const dir = runLayer({ err_1: 'A = "1"\nBAR = "${@ 1/0 }"\n' }, { base: ONLY_BUILD });
  const r = command(dir, ['getvar', '-r', 'err', 'BAR']);
  t.is(r.status, 2);
  t.regex(r.stderr, /recipes\/err_1\.bb: error: .*ZeroDivisionError/);
});

test('os._exit in anonymous python names the recipe, the function and its line; the next recipe still parses', (t) => {
  const dir = runLayer({ a_dies_1: 'A = "1"\n\npython () {\n    import os\n    os._exit(3)\n}\n', b_ok_1: 'python () {\n    d.setVar("OK", "yes")\n}\n' }, { base: ONLY_BUILD });
  const r = command(dir, ['-p']);
  t.is(r.status, 2);
  t.regex(r.stderr, /a_dies_1\.bb:3: error: the python3 worker .* while running an anonymous python function: it exited with status 3\n/);
  t.notRegex(r.stderr, /No such file|nonexistent|cannot create/);
  t.notRegex(r.stderr, STACK);
  t.regex(r.stdout, /1 targets, 0 skipped, 0 masked, 1 errors/);
});

test('sys.exit() with no argument says so', (t) => {
  const dir = runLayer({ ex_1: 'python () {\n    import sys\n    sys.exit()\n}\n' }, { base: ONLY_BUILD });
  const r = command(dir, ['-p']);
  t.is(r.status, 2);
  t.regex(r.stderr, /ex_1\.bb:3: error: sys\.exit\(None\) was called/);
});

test('BBFILES matching no file and a pattern matching nothing are warnings', (t) => {
  const dir = runLayer({});
  const r = command(dir, ['-p']);
  t.is(r.status, 0);
  t.regex(r.stderr, /WARNING: no recipe files to build, check your BBPATH and BBFILES\?/);
  t.regex(r.stderr, /WARNING: No bb files in default matched BBFILE_PATTERN_t '\^.*\/'/);
});

test('BBFILE_PATTERN_IGNORE_EMPTY silences the empty-collection warning', (t) => {
  const dir = runLayer({}, { extra: { 'conf/layer.conf': 'BBFILES += "${LAYERDIR}/recipes/*.bb"\nBBFILE_COLLECTIONS += "t"\nBBFILE_PATTERN_t = "^${LAYERDIR}/"\nBBFILE_PATTERN_IGNORE_EMPTY_t = "1"\n' } });
  const r = command(dir, ['-p']);
  t.notRegex(r.stderr, /BBFILE_PATTERN_t/);
});

test('a layer.conf without BBFILE_COLLECTIONS is a warning', (t) => {
  const dir = runLayer({ a_1: '' }, { base: ONLY_BUILD, extra: { 'conf/layer.conf': 'BBPATH .= ":${LAYERDIR}"\nBBFILES += "${LAYERDIR}/recipes/*.bb"\n' } });
  const r = command(dir, ['-p']);
  t.is(r.status, 0, r.stderr);
  t.regex(r.stderr, /WARNING: layer .* belongs to no collection/);
});
