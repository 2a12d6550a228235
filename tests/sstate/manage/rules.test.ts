import test from 'ava';
import { catalogue, objectFiles, type FoundFile, type SstateObject } from '../../../sstate/manage/catalogue.js';
import { overBudget, usedBefore } from '../../../sstate/manage/evict.js';
import { duplicateGroups, olderDuplicates } from '../../../sstate/manage/remove-duplicated.js';
import { orphanFiles, staleTemps, unreferencedObjects, DEAD_WRITER_GRACE_MS, TEMP_MAX_AGE_MS } from '../../../sstate/manage/stale.js';

const name = (pn: string, hash: string, task = 'package', arch = 'core2-64'): string => `sstate:${pn}:${arch}-poky-linux:1.0:r0:${arch}:14:${hash}_${task}.tar.zst`;
const f = (dir: string, n: string, mtimeMs?: number, size?: number): FoundFile => ({ dir, name: n, linkTarget: undefined, mtimeMs, size });
const paths = (objects: readonly SstateObject[]): string[] => objects.map((o) => o.path).sort();

test('catalogue pairs archives with their companions and keeps temp files and odd names apart', (t) => {
  const cat = catalogue([
    f('c/aa/bb', `${name('a', 'aabb1')}.siginfo`),
    f('c/aa/bb', name('a', 'aabb1')),
    f('c/aa/bb', `${name('a', 'aabb1')}.done`),
    f('c/aa/cc', `${name('a', 'aacc1')}.siginfo`),
    f('c/aa/cc', `${name('a', 'aacc1')}.tmp-12-3`),
    f('c/aa/cc', 'sstate:a:b:c.lock'),
    f('c/aa/cc', 'sstate:no:fields_here.tar.zst'),
  ]);
  t.is(cat.fileCount, 5);
  t.deepEqual(paths(cat.objects), ['c/aa/bb/' + name('a', 'aabb1'), 'c/aa/cc/' + name('a', 'aacc1')]);
  const [full, orphan] = cat.objects[0]?.archive ? [cat.objects[0], cat.objects[1]] : [cat.objects[1], cat.objects[0]];
  t.deepEqual(full && objectFiles(full).map((x) => x.path.split('/').pop()), [name('a', 'aabb1'), `${name('a', 'aabb1')}.siginfo`, `${name('a', 'aabb1')}.done`]);
  t.is(orphan?.archive, undefined);
  t.is(orphan?.name.hash, 'aacc1');
  t.deepEqual(cat.temps.map((x) => x.pid), [12]);
  t.deepEqual(cat.unrecognised.map((x) => x.path).sort(), ['c/aa/cc/sstate:a:b:c.lock', 'c/aa/cc/sstate:no:fields_here.tar.zst']);
  t.deepEqual(orphanFiles(cat.objects).map((x) => x.path), [`c/aa/cc/${name('a', 'aacc1')}.siginfo`]);
  t.deepEqual(paths(unreferencedObjects(cat.objects, new Set(['aabb1']))), ['c/aa/cc/' + name('a', 'aacc1')]);
});

test('olderDuplicates: newest mtime wins, ties go to the last path in byte order, vanished archives are left out', (t) => {
  const cat = catalogue([
    f('d', name('p', 'h1'), 100),
    f('d', name('p', 'h2'), 300),
    f('d', name('p', 'h3'), 300),
    f('d', name('p', 'h4'), undefined),
    f('d', name('p', 'h5', 'populate_lic'), 1),
    f('d', name('p', 'h6', 'populate_lic'), 2),
    f('d', name('p', 'h7', 'package', 'x86_64'), 1),
  ]);
  const groups = duplicateGroups(cat.objects);
  t.is(groups.length, 1, 'license objects and other archs are not rivals');
  t.deepEqual(paths(olderDuplicates(groups)), ['d/' + name('p', 'h1'), 'd/' + name('p', 'h2')]);
});

test('LRU: usedBefore and overBudget rank by last use (archive mtime, else newest companion)', (t) => {
  const cat = catalogue([
    f('d', name('a', 'h1'), 400, 100),
    f('d', `${name('a', 'h1')}.siginfo`, 50, 10),
    f('d', name('b', 'h2'), 200, 100),
    f('d', `${name('c', 'h3')}.siginfo`, 300, 10),
    f('d', name('d', 'h4'), 100, 100),
  ]);
  t.deepEqual(paths(usedBefore(cat.objects, 250)), ['d/' + name('b', 'h2'), 'd/' + name('d', 'h4')]);
  t.deepEqual(overBudget(cat.objects, 320).map((o) => o.name.pn), []);
  t.deepEqual(overBudget(cat.objects, 319).map((o) => o.name.pn), ['d']);
  t.deepEqual(overBudget(cat.objects, 120).map((o) => o.name.pn), ['d', 'b']);
  t.deepEqual(overBudget(cat.objects, 0).map((o) => o.name.pn), ['d', 'b', 'c', 'a']);
});

test('staleTemps: a day old, or a dead writer and idle past the grace period', (t) => {
  const now = 1e12;
  const temp = (pid: number, ageMs: number) => ({ file: { path: `t${pid}-${ageMs}`, linkTarget: undefined, mtimeMs: now - ageMs, size: 0 }, pid });
  const temps = [temp(1, TEMP_MAX_AGE_MS + 1), temp(1, 1000), temp(2, DEAD_WRITER_GRACE_MS + 1), temp(2, DEAD_WRITER_GRACE_MS - 1)];
  const stale = staleTemps(temps, { now, isAlive: (pid) => pid === 1 });
  t.deepEqual(stale.map((x) => x.file.path), [`t1-${TEMP_MAX_AGE_MS + 1}`, `t2-${DEAD_WRITER_GRACE_MS + 1}`]);
});
