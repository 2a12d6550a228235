import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasDebugOrSymbols, readElf } from '../../../engine/package/split/elf.js';
import { hasCommand, requireTool } from '../../helpers/host-tools.js';

function cc(dir: string, args: readonly string[]): void {
  const r = spawnSync('gcc', args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gcc ${args.join(' ')} failed: ${r.stderr}`);
}

/** readelf's view of the dynamic section: [tag, value] pairs. */
function readelfDynamic(file: string): Array<[string, string]> {
  const out = spawnSync('readelf', ['-d', file], { encoding: 'utf8' }).stdout;
  return [...out.matchAll(/\((NEEDED|SONAME|RPATH|RUNPATH)\)\s+\S+ \S+: \[([^\]]*)\]/g)].map((m) => [m[1] ?? '', m[2] ?? '']);
}

function build(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsbake-elf-'));
  writeFileSync(join(dir, 'lib.c'), 'int lib(void) { return 1; }\n');
  writeFileSync(join(dir, 'main.c'), 'int lib(void);\nint main(void) { return lib(); }\n');
  cc(dir, ['-g', '-shared', '-fPIC', '-Wl,-soname,libt.so.2', '-Wl,--disable-new-dtags', '-Wl,-rpath,/opt/r1:/opt/r2', '-o', 'libt.so', 'lib.c']);
  cc(dir, ['-g', '-o', 'prog', 'main.c', '-L.', '-lt', '-Wl,--enable-new-dtags', '-Wl,-rpath,/opt/run']);
  return dir;
}

test('DT_SONAME, DT_NEEDED, DT_RPATH and DT_RUNPATH as readelf reads them', (t) => {
  if (!requireTool(t, hasCommand('gcc') && hasCommand('readelf'), 'gcc and readelf (Debian packages gcc, binutils)')) return;
  const dir = build();
  const lib = readElf(join(dir, 'libt.so'));
  const prog = readElf(join(dir, 'prog'));
  t.is(lib?.type, 'dyn');
  t.is(lib?.soname, 'libt.so.2');
  t.deepEqual(lib?.rpath, ['/opt/r1', '/opt/r2']);
  t.deepEqual(prog?.runpath, ['/opt/run']);
  t.is(prog?.soname, undefined);
  const expected = readelfDynamic(join(dir, 'prog')).filter(([tag]) => tag === 'NEEDED').map(([, v]) => v);
  t.true(expected.includes('libt.so.2'));
  t.deepEqual(prog?.needed, expected);
  t.deepEqual(readelfDynamic(join(dir, 'libt.so')).filter(([tag]) => tag === 'SONAME').map(([, v]) => v), ['libt.so.2']);
});

test('debug sections and symbols are seen, and gone after objcopy --strip-all', (t) => {
  if (!requireTool(t, hasCommand('gcc') && hasCommand('objcopy'), 'gcc and objcopy (Debian packages gcc, binutils)')) return;
  const dir = build();
  const before = readElf(join(dir, 'prog'));
  t.true(before !== undefined && hasDebugOrSymbols(before));
  spawnSync('objcopy', ['--strip-all', join(dir, 'prog')]);
  const after = readElf(join(dir, 'prog'));
  t.true(after !== undefined && !hasDebugOrSymbols(after));
});

test('a file that is not ELF is not read as one', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsbake-elf-'));
  writeFileSync(join(dir, 'script.so'), '#!/bin/sh\necho not elf\n');
  writeFileSync(join(dir, 'short'), '\x7fEL');
  t.is(readElf(join(dir, 'script.so')), undefined);
  t.is(readElf(join(dir, 'short')), undefined);
});
