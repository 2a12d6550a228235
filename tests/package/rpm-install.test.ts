/**
 * The .rpm writer through the real rpm in a throwaway root that has its own /bin/sh (rpm
 * chroots into --root to run scriptlets): install, upgrade to a higher PR and erase with the
 * scriptlets' instance counts checked, %config(noreplace) keeping an edited file, and
 * RCONFLICTS refusing an installation.
 */
import test from 'ava';
import { copyFile, mkdir, mkdtemp, readFile, realpath, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRpmWriter } from '../../engine/package/rpm/writer.js';
import { hasCommand, requireTool } from '../helpers/host-tools.js';
import { makeFixture, writePackage } from './fixture.js';
import { run } from './tools.js';

const writer = createRpmWriter({ compression: { kind: 'zstd', level: 3 } });

/** A root holding the host's /bin/sh and the libraries ldd names for it. */
async function rpmRoot(base: string): Promise<{ root: string; rpm: (...args: string[]) => ReturnType<typeof run>; log: () => Promise<string[]> }> {
  const root = join(base, 'root');
  await mkdir(join(root, 'bin'), { recursive: true });
  await copyFile(await realpath('/bin/sh'), join(root, 'bin/sh'));
  for (const m of run('ldd', ['/bin/sh']).stdout.matchAll(/(\/\S+) \(0x/g)) {
    const lib = m[1] ?? '';
    await mkdir(join(root, dirname(lib)), { recursive: true });
    await copyFile(await realpath(lib), join(root, lib));
  }
  const flags = ['--root', root, '--dbpath', '/var/lib/rpm', '--ignorearch', '--ignoreos', '--nodeps'];
  const r = run('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', '--initdb']);
  if (r.status !== 0) throw new Error(r.stderr);
  const logFile = join(root, 'script.log');
  return {
    root,
    rpm: (...args) => run('rpm', [...flags, ...args], { TSBAKE_SCRIPT_LOG: '/script.log' }),
    log: async () => (existsSync(logFile) ? (await readFile(logFile, 'utf8')).split('\n').filter((l) => l !== '') : []),
  };
}

const rootOnly = (t: { log: (m: string) => void; pass: () => void }): boolean => {
  if (process.getuid?.() === 0) return true;
  t.log('skipped: rpm --root runs scriptlets in a chroot, which needs root');
  t.pass();
  return false;
};

test('rpm --root: install, upgrade to a higher PR and erase run the scriptlets with rpm instance counts; %config(noreplace) keeps an edit', async (t) => {
  if (!requireTool(t, hasCommand('rpm'), 'rpm') || !rootOnly(t)) return;
  const base = await mkdtemp(join(tmpdir(), 'tsbake-rpm-'));
  const v1 = await writePackage(writer, await makeFixture(join(base, 'v1')), join(base, 'out'));
  const v2 = await writePackage(writer, await makeFixture(join(base, 'v2'), { release: 'r1', confText: 'setting = 2\n' }), join(base, 'out'));
  const { root, rpm, log } = await rpmRoot(base);

  const install = rpm('-i', v1);
  t.is(install.status, 0, install.stderr);
  t.deepEqual(await log(), ['demo preinst 1 D=', 'demo postinst 1 D=']);
  t.is(run('readlink', [join(root, 'usr/bin/demo-link')]).stdout.trim(), 'demo');

  await writeFile(join(root, 'etc/demo/demo.conf'), 'edited by the user\n');
  const upgrade = rpm('-U', v2);
  t.is(upgrade.status, 0, upgrade.stderr);
  // the old %preun/%postun run with 1 and, wrapped as oe-core wraps them, do nothing
  t.deepEqual((await log()).slice(2), ['demo preinst 2 D=', 'demo postinst 2 D=']);
  t.is(await readFile(join(root, 'etc/demo/demo.conf'), 'utf8'), 'edited by the user\n');
  t.is(await readFile(join(root, 'etc/demo/demo.conf.rpmnew'), 'utf8'), 'setting = 2\n');
  t.is(run('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', '-q', '--qf', '%{EPOCH}:%{VERSION}-%{RELEASE}', 'demo']).stdout, '1:2.0+rc1-r1');

  const erase = run('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', '--nodeps', '-e', 'demo'], { TSBAKE_SCRIPT_LOG: '/script.log' });
  t.is(erase.status, 0, erase.stderr);
  t.deepEqual((await log()).slice(4), ['demo prerm 0 D=', 'demo postrm 0 D=']);
  t.false(existsSync(join(root, 'usr/bin/demo')));
});

test('rpm refuses to install a package whose RCONFLICTS names an installed one', async (t) => {
  if (!requireTool(t, hasCommand('rpm'), 'rpm') || !rootOnly(t)) return;
  const base = await mkdtemp(join(tmpdir(), 'tsbake-rpm-conflict-'));
  const rival = await makeFixture(join(base, 'rival'), { name: 'demo-rival', scripts: false });
  const rivalRpm = await writePackage(writer, { ...rival, spec: { ...rival.spec, files: [], conffiles: [] } }, join(base, 'out'));
  const demo = await writePackage(writer, await makeFixture(join(base, 'demo'), { conflicts: [{ name: 'demo-rival' }] }), join(base, 'out'));
  const { root } = await rpmRoot(base);
  const rpm = (...args: string[]): ReturnType<typeof run> => run('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', '--ignorearch', '--ignoreos', ...args]);
  t.is(rpm('-i', '--nodeps', rivalRpm).status, 0);
  // dependency checks include conflicts, so this install runs them (demo-base is missing too)
  const refused = rpm('-i', demo);
  t.not(refused.status, 0);
  t.regex(refused.stderr, /demo-rival conflicts with demo-1:2\.0\+rc1-r0/);
});
