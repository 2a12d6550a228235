import test from 'ava';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../engine/core/package-root.js';
import { hasCommand, pathExists, requireTool } from './helpers/host-tools.js';

const SHARED = join(PACKAGE_ROOT, '..', 'shared', 'conformance');
const OURS = join(PACKAGE_ROOT, 'tests', 'conformance-cases');

/** Runs the corpus runner to its end: no time limit of ours, so a busy machine only makes it slower. */
function runCorpus(dir: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const cmd = `node ${join(PACKAGE_ROOT, 'dist/engine/cli/main.js')} getvar {recipe_opt} {var}`;
  // --timeout: the runner's per-query limit, raised far above any real query on a loaded machine.
  const child = spawn('python3', [join(SHARED, 'run.py'), '--cmd', cmd, '--cases', dir, '--show', '20', '--jobs', '4', '--timeout', '1800'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/**
 * The BitBake conformance corpus (../shared/conformance, values from real BitBake 2.19.0)
 * plus our own cases (tests/conformance-cases, generated the same way): 100% or fail, with
 * at least the cases known today (86 shared, 153 ours), so a missing directory fails too.
 */
for (const [name, dir, known] of [
  ['the shared corpus', join(SHARED, 'cases'), 86],
  ['our own cases', OURS, 153],
] as const) {
  test(`tsbake getvar agrees with BitBake 2.19 on every conformance case: ${name}`, async (t) => {
    if (!requireTool(t, hasCommand('python3'), 'python3 (Debian package python3)')) return;
    if (!requireTool(t, pathExists(join(SHARED, 'run.py')), `the conformance corpus at ${SHARED}`)) return;
    const r = await runCorpus(dir);
    const last = r.stdout.trim().split('\n').pop() ?? '';
    const m = /^(\d+) passed, (\d+) failed$/.exec(last);
    t.truthy(m, `unexpected runner output:\n${r.stdout}\n${r.stderr}`);
    t.is(m?.[2], '0', r.stdout);
    t.is(r.status, 0, `the runner failed:\n${r.stdout}\n${r.stderr}`);
    const cases = /^(\d+)\/(\d+) cases fully passing$/m.exec(r.stdout);
    t.true(Number(cases?.[2] ?? 0) >= known, `${cases?.[0] ?? 'no case count'}: expected at least ${known} cases in ${dir}`);
    t.log(last);
  });
}
