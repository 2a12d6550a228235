import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { PackageSpec } from '../../../engine/package/model/spec.js';
import { readElf } from '../../../engine/package/split/elf.js';
import { hasCommand, requireTool } from '../../helpers/host-tools.js';
import { bake } from '../../run/run-layer.js';
import { fixture, packageLayer, paths, pkgdest, readSpec, workdir } from './package-layer.js';

const tools = (t: Parameters<typeof requireTool>[0]): boolean =>
  requireTool(t, hasCommand('gcc'), 'gcc (Debian package gcc)') && requireTool(t, hasCommand('objcopy') && hasCommand('readelf'), 'objcopy and readelf (Debian package binutils)');

let built: Promise<string> | undefined;
function shlibBuild(): Promise<string> {
  built ??= (async () => {
    const dir = packageLayer(Object.fromEntries(['libdemo', 'app', 'nostrip', 'nosplit'].map((pn) => [`${pn}_1.0`, fixture(`${pn}_1.0.bb`)])));
    const r = bake(dir, ['app', 'nostrip', 'nosplit']);
    if (r.status !== 0) throw new Error(`build failed:\n${r.stdout}\n${r.stderr}`);
    return dir;
  })();
  return built;
}

const readelf = (args: string[], file: string): string => spawnSync('readelf', [...args, file], { encoding: 'utf8' }).stdout;

test('a binary needing a library depends on the package providing its soname, at the provider version', async (t) => {
  if (!tools(t)) return;
  const dir = await shlibBuild();
  const app = readSpec(dir, 'app', 'app');
  t.deepEqual(app.relations.depends, [
    { name: 'libc-assumed', constraint: { op: '>=', version: '2.40' } },
    { name: 'libdemo', constraint: { op: '>=', version: '1.0' } },
  ]);
  t.is(readFileSync(join(dir, 'tmp/pkgdata/qemux86-64/shlibs2/libdemo.list'), 'utf8'), 'libdemo.so.1:libdemo:1.0\n');
});

test('PRIVATE_LIBS: a private library is neither a provider nor a dependency', async (t) => {
  if (!tools(t)) return;
  const dir = await shlibBuild();
  t.true(paths(readSpec(dir, 'app', 'app')).includes('/usr/lib/app/libpriv.so'));
  t.false(existsSync(join(dir, 'tmp/pkgdata/qemux86-64/shlibs2/app.list')));
});

test('pkg-config Requires become dependencies of the -dev package; -dev depends on its base package', async (t) => {
  if (!tools(t)) return;
  const dir = await shlibBuild();
  t.deepEqual(readSpec(dir, 'app', 'app-dev').relations.depends, [
    { name: 'app', constraint: { op: '=', version: '1.0-r0' } },
    { name: 'libdemo-dev' },
  ]);
});

test('dependency chains: app-dev recommends the -dev of DEPENDS, app-dbg the -dbg of the libraries app needs, in spec and pkgdata', async (t) => {
  if (!tools(t)) return;
  const dir = await shlibBuild();
  t.deepEqual(readSpec(dir, 'app', 'app-dev').relations.recommends, [{ name: 'libdemo-dev' }]);
  t.deepEqual(readSpec(dir, 'app', 'app-dbg').relations.recommends, [{ name: 'libc-assumed-dbg' }, { name: 'libdemo-dbg' }]);
  t.deepEqual(readSpec(dir, 'app', 'app').relations.recommends, []);
  const pkgdata = JSON.parse(readFileSync(join(dir, 'tmp/pkgdata/qemux86-64/runtime/app-dev.json'), 'utf8')) as PackageSpec;
  t.deepEqual(pkgdata.relations.recommends, [{ name: 'libdemo-dev' }]);
});

test('${PN}-src ships the sources the debug info names, from the work directory, at their recorded paths', async (t) => {
  if (!tools(t)) return;
  const dir = await shlibBuild();
  t.deepEqual(
    paths(readSpec(dir, 'app', 'app-src')).filter((p) => p.endsWith('.c')),
    ['/usr/src/debug/app/1.0/main.c', '/usr/src/debug/app/1.0/priv.c'],
  );
  const shipped = join(pkgdest(dir, 'app'), 'app-src/usr/src/debug/app/1.0/main.c');
  t.is(readFileSync(shipped, 'utf8'), readFileSync(join(workdir(dir, 'app'), 'sources/app-1.0/main.c'), 'utf8'));
  // the recorded path is the one the debug info (in app-dbg) names
  t.regex(spawnSync('readelf', ['--debug-dump=line', join(pkgdest(dir, 'app'), 'app-dbg/usr/bin/.debug/app')], { encoding: 'utf8' }).stdout, /\/usr\/src\/debug\/app\/1\.0\b/);
  // INHIBIT_PACKAGE_DEBUG_SPLIT: no debug info kept, no sources either
  t.false(existsSync(join(pkgdest(dir, 'nosplit'), 'nosplit-src.spec.json')));
});

test('debug split: .debug files in -dbg, stripped binaries with a .gnu_debuglink', async (t) => {
  if (!tools(t)) return;
  const dir = await shlibBuild();
  t.deepEqual(paths(readSpec(dir, 'libdemo', 'libdemo-dbg')), ['/usr', '/usr/lib', '/usr/lib/.debug', '/usr/lib/.debug/libdemo.so.1.0']);
  const lib = join(pkgdest(dir, 'libdemo'), 'libdemo/usr/lib/libdemo.so.1.0');
  t.regex(readelf(['--string-dump=.gnu_debuglink'], lib), /libdemo\.so\.1\.0/);
  t.false(readElf(lib)?.sections.includes('.debug_info'));
  const debug = readElf(join(pkgdest(dir, 'libdemo'), 'libdemo-dbg/usr/lib/.debug/libdemo.so.1.0'));
  t.true(debug?.sections.includes('.debug_info'));
  const bin = join(pkgdest(dir, 'app'), 'app/usr/bin/app');
  t.false(readElf(bin)?.sections.includes('.symtab'));
  t.regex(readelf(['--string-dump=.gnu_debuglink'], bin), /\bapp\b/);
  // ${PKGD} links ${D}'s inodes: stripping must write a new file, never into ${D}'s binary
  const installed = join(workdir(dir, 'libdemo'), 'image/usr/lib/libdemo.so.1.0');
  t.true(readElf(installed)?.sections.includes('.debug_info'));
  t.not(statSync(installed).ino, statSync(lib).ino);
});

test('INHIBIT_PACKAGE_STRIP keeps binaries whole; INHIBIT_PACKAGE_DEBUG_SPLIT strips without a debug file', async (t) => {
  if (!tools(t)) return;
  const dir = await shlibBuild();
  const whole = readElf(join(pkgdest(dir, 'nostrip'), 'nostrip/usr/bin/nostrip'));
  t.true(whole?.sections.includes('.symtab'));
  t.true(whole?.sections.includes('.debug_info'));
  t.deepEqual(readSpec(dir, 'nostrip', 'nostrip-dbg').files, []);
  const stripped = readElf(join(pkgdest(dir, 'nosplit'), 'nosplit/usr/bin/nosplit'));
  t.false(stripped?.sections.includes('.symtab'));
  t.false(stripped?.sections.includes('.gnu_debuglink'));
  t.deepEqual(readSpec(dir, 'nosplit', 'nosplit-dbg').files, []);
});

test('two packages providing one needed soname fail do_package, naming both', (t) => {
  if (!tools(t)) return;
  const dir = packageLayer({ 'dup_1.0': fixture('dup_1.0.bb') });
  t.is(bake(dir, ['dup']).status, 1);
  const log = readFileSync(join(workdir(dir, 'dup'), 'temp/log.do_package'), 'utf8');
  t.regex(log, /error: dup: multiple shlib providers for libdup\.so\.1: dup-a, dup-b \(used by files: \/usr\/bin\/dupuser\)/);
});
