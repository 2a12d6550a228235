/**
 * The .deb writer through the real dpkg in a throwaway root: install, upgrade to a higher
 * PR, remove and purge, with the maintainer scripts' order, arguments and $D checked, a
 * user-edited conffile kept across the upgrade, and RCONFLICTS refusing an installation.
 */
import test from 'ava';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDebWriter } from '../../engine/package/deb/writer.js';
import { hasCommand, requireTool } from '../helpers/host-tools.js';
import { makeFixture, writePackage } from './fixture.js';
import { run } from './tools.js';

const writer = createDebWriter({ dpkgArch: 'amd64', compression: { kind: 'zstd', level: 3 } });

async function dpkgRoot(base: string): Promise<{ root: string; dpkg: (...args: string[]) => ReturnType<typeof run>; log: () => Promise<string[]> }> {
  const root = join(base, 'root');
  const admin = join(root, 'var/lib/dpkg');
  for (const d of ['info', 'updates', 'triggers']) await mkdir(join(admin, d), { recursive: true });
  await writeFile(join(admin, 'status'), '');
  await writeFile(join(admin, 'available'), '');
  const logFile = join(base, 'scripts.log');
  const env = { D: root, TSBAKE_SCRIPT_LOG: logFile };
  const flags = [`--root=${root}`, `--admindir=${admin}`, '--force-script-chrootless', '--force-depends', '--force-not-root', '--force-unsafe-io', '--force-confdef', '--force-confold', '--log=/dev/null'];
  return {
    root,
    dpkg: (...args) => run('dpkg', [...flags, ...args], env),
    log: async () => (existsSync(logFile) ? (await readFile(logFile, 'utf8')).split('\n').filter((l) => l !== '').map((l) => l.replace(/\s+/g, ' ')) : []),
  };
}

test('dpkg --root: install, upgrade to a higher PR, remove, purge run the scripts in order with $D set; an edited conffile survives', async (t) => {
  if (!requireTool(t, hasCommand('dpkg'), 'dpkg')) return;
  const base = await mkdtemp(join(tmpdir(), 'tsbake-dpkg-'));
  const v1 = await writePackage(writer, await makeFixture(join(base, 'v1')), join(base, 'out'));
  const v2 = await writePackage(writer, await makeFixture(join(base, 'v2'), { release: 'r1' }), join(base, 'out'));
  const { root, dpkg, log } = await dpkgRoot(base);

  const install = dpkg('-i', v1);
  t.is(install.status, 0, install.stderr);
  t.deepEqual(await log(), ['demo preinst install D=set', 'demo postinst configure D=set']);
  t.is(run('readlink', [join(root, 'usr/bin/demo-link')]).stdout.trim(), 'demo');
  t.true(existsSync(join(root, 'var/lib/demo')), 'the empty directory is created');

  await writeFile(join(root, 'etc/demo/demo.conf'), 'edited by the user\n');
  const upgrade = dpkg('-i', v2);
  t.is(upgrade.status, 0, upgrade.stderr);
  // oe-core's guard keeps the old prerm and postrm from acting on "upgrade"
  t.deepEqual((await log()).slice(2), ['demo preinst upgrade 1:2.0-rc1-r0 1:2.0-rc1-r1 D=set', 'demo postinst configure 1:2.0-rc1-r0 D=set']);
  t.is(await readFile(join(root, 'etc/demo/demo.conf'), 'utf8'), 'edited by the user\n');
  t.regex(dpkg('-s', 'demo').stdout, /^Version: 1:2\.0-rc1-r1$/m);

  t.is(dpkg('-r', 'demo').status, 0);
  t.false(existsSync(join(root, 'usr/bin/demo')));
  t.true(existsSync(join(root, 'etc/demo/demo.conf')), 'remove keeps conffiles');
  t.is(dpkg('-P', 'demo').status, 0);
  t.false(existsSync(join(root, 'etc/demo/demo.conf')), 'purge removes them');
  t.deepEqual((await log()).slice(4), ['demo prerm remove D=set', 'demo postrm remove D=set', 'demo postrm purge D=set']);
});

test('dpkg refuses to install a package whose RCONFLICTS names an installed one', async (t) => {
  if (!requireTool(t, hasCommand('dpkg'), 'dpkg')) return;
  const base = await mkdtemp(join(tmpdir(), 'tsbake-dpkg-conflict-'));
  const rival = await makeFixture(join(base, 'rival'), { name: 'demo-rival', scripts: false });
  const rivalDeb = await writePackage(writer, { ...rival, spec: { ...rival.spec, files: [], conffiles: [] } }, join(base, 'out'));
  const demo = await writePackage(writer, await makeFixture(join(base, 'demo'), { conflicts: [{ name: 'demo-rival' }] }), join(base, 'out'));
  const { dpkg } = await dpkgRoot(base);
  t.is(dpkg('-i', rivalDeb).status, 0);
  const refused = dpkg('-i', demo);
  t.not(refused.status, 0);
  t.regex(refused.stderr, /conflicts with demo-rival/);
  t.regex(dpkg('-s', 'demo-rival').stdout, /^Status: install ok installed$/m);
});
