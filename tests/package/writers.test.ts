import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Compression } from '../../engine/package/archive/compression.js';
import { createDebWriter, MissingDigestError } from '../../engine/package/deb/writer.js';
import { createIpkWriter } from '../../engine/package/ipk/writer.js';
import type { PackageWriter } from '../../engine/package/model/writer.js';
import { createRpmWriter } from '../../engine/package/rpm/writer.js';
import { createTarWriter } from '../../engine/package/tar/writer.js';
import { BIG_PAYLOAD, makeFixture, writePackage } from './fixture.js';
import { assertValid, requireValidators, run, type Format } from './tools.js';

const zstd: Compression = { kind: 'zstd', level: 3 };
const gzip: Compression = { kind: 'gzip', level: 6 };
const xz: Compression = { kind: 'xz', level: 6 };

const writers = (c: Compression): Record<Format, PackageWriter> => ({
  deb: createDebWriter({ dpkgArch: 'amd64', compression: c }),
  rpm: createRpmWriter({ compression: c }),
  ipk: createIpkWriter({ compression: c }),
  tar: createTarWriter({ compression: c }),
});

for (const [label, compression] of [['zstd', zstd], ['gzip', gzip], ['xz', xz]] as const) {
  for (const format of ['deb', 'rpm', 'ipk', 'tar'] as const) {
    test(`${format} (${label}) from a hand-written spec passes validate.sh`, async (t) => {
      if (!requireValidators(t)) return;
      const base = await mkdtemp(join(tmpdir(), `tsbake-${format}-`));
      // zstd: a payload of several zstd jobs, compressed by more than one of its threads
      const fx = await makeFixture(base, label === 'zstd' ? { bigFile: BIG_PAYLOAD + 12345 } : {});
      assertValid(t, format, await writePackage(writers(compression)[format], fx, join(base, 'out')));
    });
  }
}

test('an arch-all package without scripts or files: deb says all, rpm noarch, and all four validate', async (t) => {
  if (!requireValidators(t)) return;
  const base = await mkdtemp(join(tmpdir(), 'tsbake-empty-'));
  const fx = await makeFixture(base, { arch: 'all', scripts: false });
  const spec = { ...fx.spec, files: [], conffiles: [], installedSize: 0 };
  const names: string[] = [];
  for (const [format, writer] of Object.entries(writers(zstd)) as [Format, PackageWriter][]) {
    const file = await writePackage(writer, { ...fx, spec }, join(base, 'out'));
    names.push(file.slice(file.lastIndexOf('/') + 1));
    assertValid(t, format, file);
  }
  t.deepEqual(names, ['demo_2.0-rc1-r0_all.deb', 'demo-2.0+rc1-r0.noarch.rpm', 'demo_2.0-rc1-r0_all.ipk', 'demo-2.0-rc1-r0.tar.zst']);
});

test('deb control fields are the ones oe-core writes, relations in dpkg syntax', async (t) => {
  if (!requireValidators(t)) return;
  const base = await mkdtemp(join(tmpdir(), 'tsbake-debctl-'));
  const file = await writePackage(writers(zstd).deb, await makeFixture(base), join(base, 'out'));
  const control = run('dpkg-deb', ['--field', file]).stdout;
  t.regex(control, /^Version: 1:2\.0-rc1-r0$/m);
  t.regex(control, /^Architecture: amd64$/m);
  t.regex(control, /^Depends: demo-base \(>= 1\.0\)$/m);
  t.regex(control, /^Suggests: demo-doc \(<< 3\.0\)$/m);
  t.regex(control, /^Provides: demo-api$/m);
  t.regex(control, /^Conflicts: demo-legacy \(<< 1\.0\)$/m);
  t.regex(control, /^Replaces: demo-legacy \(<< 1\.0\)$/m);
  t.regex(control, /^OE: demo$/m);
  t.regex(control, /^Installed-Size: \d+$/m);
  t.regex(control, /^ \.$/m, 'the empty line of the long description');
  const scripts = run('dpkg-deb', ['--info', file, 'prerm']).stdout;
  t.regex(scripts, /^#!\/bin\/sh\n\[ "\$1" != "upgrade" \] \|\| exit 0\n/, 'oe-core keeps prerm from running on upgrade');
});

test('rpm: Epoch/Version/Release with - mapped to +, %config(noreplace), RREPLACES as Obsoletes and Provides, scriptlets', async (t) => {
  if (!requireValidators(t)) return;
  const base = await mkdtemp(join(tmpdir(), 'tsbake-rpmq-'));
  const file = await writePackage(writers(zstd).rpm, await makeFixture(base), join(base, 'out'));
  const q = (fmt: string): string => run('rpm', ['-qp', '--qf', fmt, file]).stdout;
  t.is(q('%{EPOCH}:%{VERSION}-%{RELEASE} %{ARCH}'), '1:2.0+rc1-r0 core2_64');
  t.is(q('[%{FILENAMES} %{FILEFLAGS:fflags}\n]').split('\n').find((l) => l.startsWith('/etc/demo/demo.conf')), '/etc/demo/demo.conf cn');
  t.regex(q('[%{OBSOLETENAME} %{OBSOLETEFLAGS:depflags} %{OBSOLETEVERSION}\n]'), /^demo-legacy < 1\.0$/m);
  t.regex(q('[%{PROVIDENAME} %{PROVIDEFLAGS:depflags} %{PROVIDEVERSION}\n]'), /^demo-legacy < 1\.0$/m);
  t.regex(q('[%{CONFLICTNAME} %{CONFLICTFLAGS:depflags} %{CONFLICTVERSION}\n]'), /^demo-legacy < 1\.0$/m);
  t.regex(q('[%{SUGGESTNAME}\n]'), /^demo-doc$/m);
  const scripts = run('rpm', ['-qp', '--scripts', file]).stdout;
  t.regex(scripts, /preuninstall scriptlet \(using \/bin\/sh\):\nif \[ "\$1" = "0" \] ; then\n/);
  t.regex(q('[%{FILENAMES} %{FILEINODES}\n]'), /\/usr\/bin\/demo (\d+)\n\/usr\/bin\/demo-hard \1\n/, 'hard links share an inode');
});

test('a deb from a spec without md5s (an older do_package) is refused before anything is written', async (t) => {
  const base = await mkdtemp(join(tmpdir(), 'tsbake-md5-'));
  const fx = await makeFixture(base);
  const spec = { ...fx.spec, files: fx.spec.files.map(({ md5: _, ...f }) => f) };
  await t.throwsAsync(writePackage(writers(zstd).deb, { ...fx, spec }, join(base, 'out')), { instanceOf: MissingDigestError, message: /demo: the package spec has no md5 for \/etc\/demo\/demo.conf/ });
  t.deepEqual(readdirSync(join(base, 'out')).filter((n) => n.endsWith('.deb')), []);
});

test('deb md5sums hold every regular file and hard link of the data archive, and md5sum -c agrees', async (t) => {
  if (!requireValidators(t)) return;
  const base = await mkdtemp(join(tmpdir(), 'tsbake-md5-'));
  const file = await writePackage(writers(zstd).deb, await makeFixture(base, { bigFile: BIG_PAYLOAD + 12345 }), join(base, 'out'));
  const root = join(base, 'extracted');
  t.is(run('dpkg-deb', ['-x', file, root]).status, 0);
  const sums = run('dpkg-deb', ['--info', file, 'md5sums']).stdout;
  const listed = sums.trimEnd().split('\n').map((l) => l.slice(34));
  t.true(listed.includes('usr/share/demo/big.bin'));
  t.true(listed.includes('usr/bin/demo-hard'));
  const check = spawnSync('md5sum', ['-c', '--strict', '-'], { cwd: root, input: sums, encoding: 'utf8' });
  t.is(check.status, 0, check.stdout + check.stderr);
});
