import test from 'ava';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../engine/core/package-root.js';
import { hasCommand, pathExists, requireTool } from './helpers/host-tools.js';

const SHARED = join(PACKAGE_ROOT, '..', 'shared', 'conformance');
const OURS = join(PACKAGE_ROOT, 'tests', 'conformance-cases');
/** Cases known today (86 shared, 110 ours): fewer means a corpus directory went missing. */
const KNOWN_CASES = 196;

/**
 * The BitBake conformance corpus (../shared/conformance, values from real BitBake 2.19.0)
 * plus our own cases (tests/conformance-cases, generated the same way): 100% or fail.
 */
test('tsbake getvar agrees with BitBake 2.19 on every conformance case', (t) => {
  if (!requireTool(t, hasCommand('python3'), 'python3 (Debian package python3)')) return;
  if (!requireTool(t, pathExists(join(SHARED, 'run.py')), `the conformance corpus at ${SHARED}`)) return;
  const cmd = `node ${join(PACKAGE_ROOT, 'dist/engine/cli/main.js')} getvar {recipe_opt} {var}`;
  const r = spawnSync('python3', [join(SHARED, 'run.py'), '--cmd', cmd, '--cases', join(SHARED, 'cases'), '--cases', OURS, '--show', '20', '--jobs', '4'], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  const m = /^(\d+) passed, (\d+) failed$/.exec(last);
  t.truthy(m, `unexpected runner output:\n${r.stdout}\n${r.stderr}`);
  t.is(m?.[2], '0', r.stdout);
  t.is(r.status, 0, `the runner failed:\n${r.stdout}\n${r.stderr}`);
  const cases = /^(\d+)\/(\d+) cases fully passing$/m.exec(r.stdout);
  t.true(Number(cases?.[2] ?? 0) >= KNOWN_CASES, `${cases?.[0] ?? 'no case count'}: expected at least ${KNOWN_CASES} cases`);
  t.log(last);
});
