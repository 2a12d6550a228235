import test from 'ava';
import { parseCompDirs, parseDebugLines, prefixMaps, sourceOf } from '../../../engine/package/split/debug-sources.js';

// `readelf --debug-dump=line` of gcc 12 output (DWARF 5), trimmed
const DWARF5 = `Raw dump of debug contents of section .debug_line:

  Offset:                      0x0
  DWARF Version:               5
  Address size (bytes):        8

 The Directory Table (offset 0x22, lines 2, columns 1):
  Entry\tName
  0\t(indirect line string, offset: 0x4): /usr/src/debug/p/1.0
  1\t(indirect line string, offset: 0x1d): /usr/include
  2\t(indirect line string, offset: 0x2a): sub

 The File Name Table (offset 0x30, lines 4, columns 2):
  Entry\tDir\tName
  0\t0\t(indirect line string, offset: 0): m.c
  1\t0\t(indirect line string, offset: 0): m.c
  2\t1\t(indirect line string, offset: 0x2a): stdio.h
  3\t0\t(indirect line string, offset: 0x40): <built-in>

 Line Number Statements:
  [0x0000003f]  Set column to 11
`;

// the same with -gdwarf-4: directory 0 is the unit's DW_AT_comp_dir
const DWARF4 = `  DWARF Version:               4

 The Directory Table (offset 0x1c):
  1\t/usr/include
  2\t../gen

 The File Name Table (offset 0x2a):
  Entry\tDir\tTime\tSize\tName
  1\t0\t0\t0\tm.c
  2\t1\t0\t0\tstdio.h
  3\t2\t0\t0\tgen.h

 Line Number Statements:
`;

test('the source files of DWARF 5 and DWARF 4 line tables, as absolute paths', (t) => {
  t.deepEqual(parseDebugLines(DWARF5), ['/usr/include/stdio.h', '/usr/src/debug/p/1.0/m.c']);
  const compDirs = parseCompDirs('    <15>   DW_AT_comp_dir    : (indirect string, offset: 0x38): /usr/src/debug/p/1.0/src\n');
  t.deepEqual(compDirs, ['/usr/src/debug/p/1.0/src']);
  t.deepEqual(parseDebugLines(DWARF4, compDirs), ['/usr/include/stdio.h', '/usr/src/debug/p/1.0/gen/gen.h', '/usr/src/debug/p/1.0/src/m.c']);
  // without its compilation directory a relative name is left out
  t.deepEqual(parseDebugLines(DWARF4), ['/usr/include/stdio.h']);
});

test('only the prefix maps of the recipe\'s own work directory count, and a recorded path maps back to a file there', (t) => {
  const maps = prefixMaps('-O2 -g -ffile-prefix-map=/b/tmp=/usr/src/debug/tmp -ffile-prefix-map=/b/tmp/work/p=/usr/src/debug/p/1.0 -fdebug-prefix-map=/b/tmp/work/p/src/=/usr/src/debug/p/1.0', '/b/tmp/work/p');
  t.deepEqual(maps, [
    { from: '/b/tmp/work/p', to: '/usr/src/debug/p/1.0' },
    { from: '/b/tmp/work/p/src', to: '/usr/src/debug/p/1.0' },
  ]);
  const files = new Set(['/b/tmp/work/p/m.c', '/b/tmp/work/p/src/m.c', '/b/tmp/work/p/gen.h']);
  const isFile = (p: string): boolean => files.has(p);
  t.is(sourceOf('/usr/src/debug/p/1.0/m.c', maps, isFile), '/b/tmp/work/p/src/m.c', 'the last map that finds the file wins');
  t.is(sourceOf('/usr/src/debug/p/1.0/gen.h', maps, isFile), '/b/tmp/work/p/gen.h');
  t.is(sourceOf('/usr/include/stdio.h', maps, isFile), undefined);
  t.is(sourceOf('/usr/src/debug/p/1.0/../../etc/passwd', maps, () => true), undefined);
});
