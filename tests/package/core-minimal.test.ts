/**
 * The sample layer end to end: `tsbake core-minimal` with every format in PACKAGE_CLASSES
 * writes each package of every recipe it depends on into ${DEPLOY_DIR}/<fmt>/<arch>/, and every
 * one passes ../shared/validators/validate.sh. The demo recipe's relations reach the packages.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tsbake } from '../helpers/layer.js';
import { assertValid, requireValidators, type Format } from './tools.js';

const FORMATS: readonly Format[] = ['deb', 'rpm', 'ipk', 'tar'];

test('tsbake core-minimal writes the sample layer as DEB, RPM, IPK and TAR, and every package passes validate.sh', (t) => {
  if (!requireValidators(t)) return;
  const cwd = mkdtempSync(join(tmpdir(), 'tsbake-packages-'));
  const fresh = tsbake(['show-layers'], cwd, {});
  t.is(fresh.status, 0, fresh.stderr);
  mkdirSync(join(cwd, 'build/conf'), { recursive: true });
  writeFileSync(join(cwd, 'build/conf/auto.conf'), 'PACKAGE_CLASSES = "package_deb package_rpm package_ipk package_tar"\n');
  const r = tsbake(['--no-progress', 'core-minimal'], cwd, {});
  t.is(r.status, 0, `${r.stdout.slice(-3000)}${r.stderr}`);
  const deploy = join(cwd, 'build/tmp/deploy');
  const names = new Map<Format, string[]>();
  for (const format of FORMATS) {
    const files = readdirSync(join(deploy, format), { recursive: true, encoding: 'utf8' }).filter((f) => /\.(deb|rpm|ipk|tar\.zst)$/.test(f)).sort();
    names.set(format, files);
    for (const f of files) assertValid(t, format, join(deploy, format, f));
  }
  for (const pkg of ['hello', 'libgreet', 'greet', 'pkgdemo', 'libgreet-src', 'greet-src']) {
    t.true(names.get('deb')?.includes(`core2-64/${pkg}_1.0-r0_amd64.deb`), `deb of ${pkg}`);
    t.true(names.get('rpm')?.includes(`core2_64/${pkg}-1.0-r0.core2_64.rpm`), `rpm of ${pkg}`);
    t.true(names.get('ipk')?.includes(`core2-64/${pkg}_1.0-r0_core2-64.ipk`), `ipk of ${pkg}`);
    t.true(names.get('tar')?.includes(`core2-64/${pkg}-1.0-r0.tar.zst`), `tar of ${pkg}`);
  }
  const control = spawnSync('dpkg-deb', ['--field', join(deploy, 'deb/core2-64/pkgdemo_1.0-r0_amd64.deb')], { encoding: 'utf8' }).stdout;
  t.regex(control, /^Conflicts: olddemo \(<< 2\.0\)$/m);
  t.regex(control, /^Provides: demo-service$/m);
  // the C recipes' -src packages hold the sources their debug info names
  const src = spawnSync('dpkg-deb', ['--contents', join(deploy, 'deb/core2-64/greet-src_1.0-r0_amd64.deb')], { encoding: 'utf8' }).stdout;
  t.regex(src, / \.\/usr\/src\/debug\/greet\/1\.0\/main\.c$/m);
  t.regex(spawnSync('dpkg-deb', ['--contents', join(deploy, 'deb/core2-64/libgreet-src_1.0-r0_amd64.deb')], { encoding: 'utf8' }).stdout, / \.\/usr\/src\/debug\/libgreet\/1\.0\/greet\.c$/m);
  // dependency chains reach every format: greet-dbg recommends the -dbg of the library greet needs
  const dbg = (format: Format, name: string): string => join(deploy, format, name);
  t.regex(spawnSync('dpkg-deb', ['--field', dbg('deb', 'core2-64/greet-dbg_1.0-r0_amd64.deb'), 'Recommends'], { encoding: 'utf8' }).stdout, /\blibgreet-dbg\b/);
  t.regex(spawnSync('rpm', ['-qp', '--recommends', dbg('rpm', 'core2_64/greet-dbg-1.0-r0.core2_64.rpm')], { encoding: 'utf8' }).stdout, /^libgreet-dbg$/m);
  const ipk = spawnSync('sh', ['-c', 'ar p "$1" control.tar.gz | tar -xzOf - ./control', 'sh', dbg('ipk', 'core2-64/greet-dbg_1.0-r0_core2-64.ipk')], { encoding: 'utf8' }).stdout;
  t.regex(ipk, /^Recommends: .*\blibgreet-dbg\b/m);
});
