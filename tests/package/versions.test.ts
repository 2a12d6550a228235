import test from 'ava';
import { vercmp } from '../../engine/core/version.js';
import type { PackageVersion } from '../../engine/package/model/spec.js';
import { debianVersion, formatEvr, rpmEvr } from '../../engine/package/model/versions.js';
import { hasCommand, requireTool } from '../helpers/host-tools.js';
import { run } from './tools.js';

/** oe-core's VersionOrdering pairs (meta/lib/oeqa/selftest/cases/package.py), and a few more. */
const PAIRS: readonly (readonly [string, string, -1 | 0 | 1])[] = [
  ['1.0', '1.0', 0],
  ['1.0', '2.0', -1],
  ['2.0', '1.0', 1],
  ['2.0-rc', '2.0', 1],
  ['2.0~rc', '2.0', -1],
  ['1.2rc2', '1.2.0', -1],
  ['2.0~rc', '2.0-rc', -1],
  ['1.0+git1', '1.0', 1],
  ['1.10', '1.9', 1],
];

const pv = (version: string, release = 'r0', epoch = ''): PackageVersion => ({ epoch, version, release });
const sign = (n: number): number => Math.sign(n);

test('BitBake orders the pairs as oe-core expects', (t) => {
  for (const [a, b, want] of PAIRS) t.is(sign(vercmp({ pe: '', pv: a, pr: 'r0' }, { pe: '', pv: b, pr: 'r0' })), want, `${a} vs ${b}`);
});

test('dpkg --compare-versions agrees on [PKGE:]PKGV-PKGR for every pair, and a higher PR or epoch wins', (t) => {
  if (!requireTool(t, hasCommand('dpkg'), 'dpkg')) return;
  const cases: [PackageVersion, PackageVersion, number][] = [
    ...PAIRS.map(([a, b, s]) => [pv(a), pv(b), s] as [PackageVersion, PackageVersion, number]),
    [pv('1.0', 'r1'), pv('1.0', 'r0'), 1],
    [pv('1.0', 'r0.1'), pv('1.0', 'r0'), 1],
    [pv('1.0', 'r0', '1'), pv('2.0', 'r0'), 1],
  ];
  for (const [a, b, want] of cases) {
    const [x, y] = [debianVersion(a), debianVersion(b)];
    const ok = { [-1]: 'lt', 0: 'eq', 1: 'gt' }[want] ?? 'eq';
    t.is(run('dpkg', ['--compare-versions', x, ok, y]).status, 0, `dpkg: ${x} ${ok} ${y}`);
    const wrong = want === 0 ? 'ne' : want < 0 ? 'ge' : 'le';
    t.not(run('dpkg', ['--compare-versions', x, wrong, y]).status, 0, `dpkg: not ${x} ${wrong} ${y}`);
  }
});

test("rpm's own vercmp agrees on Epoch:Version-Release (- in PKGV mapped to +) for every pair", (t) => {
  if (!requireTool(t, hasCommand('rpm'), 'rpm')) return;
  const lines = PAIRS.map(([a, b]) => `print(rpm.vercmp("${formatEvr(rpmEvr(pv(a)))}", "${formatEvr(rpmEvr(pv(b)))}"), "\\n")`);
  const out = run('rpm', ['--eval', `%{lua: ${lines.join('; ')}}`]);
  t.is(out.status, 0, out.stderr);
  const got = out.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => sign(Number.parseInt(l, 10)));
  t.deepEqual(got, PAIRS.map(([, , s]) => s));
  t.deepEqual(rpmEvr(pv('2.0-rc', 'r0', '1')), { epoch: 1, version: '2.0+rc', release: 'r0' });
  t.deepEqual(rpmEvr(pv('2.0', 'r0', '0')), { version: '2.0', release: 'r0' }, 'epoch 0 is no epoch');
});
