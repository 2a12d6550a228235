import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { objectPath, siginfoPath } from '../../../sstate/store/naming.js';
import { restoreObject } from '../../../sstate/store/restore.js';
import { SstateWriteError, writeObject } from '../../../sstate/store/write.js';
import { hasCommand, requireTool } from '../../helpers/host-tools.js';
import { makeTree, NAME, randomBig, SDE, snapshot, tempDir } from './fixture-tree.js';

const write = (sstateDir: string, inputs: Array<{ dir: string; archivePrefix: string }>, extra: Partial<Parameters<typeof writeObject>[0]> = {}) =>
  writeObject({ sstateDir, name: NAME, inputs, mtime: SDE, ...extra });

test('write then restore gives the same tree: contents, modes, symlinks, hard links; every mtime is SOURCE_DATE_EPOCH', async (t) => {
  const work = tempDir(t, 'roundtrip');
  const src = makeTree(join(work, 'image'));
  const w = await write(join(work, 'cache'), [{ dir: src, archivePrefix: 'image' }], { siginfo: '{"task":"x"}\n' });
  t.is(w.path, objectPath(join(work, 'cache'), NAME));
  t.is(w.size, statSync(w.path).size);
  t.false(w.reused);
  t.is(readFileSync(siginfoPath(w.path), 'utf8'), '{"task":"x"}\n');
  t.deepEqual(readdirSync(join(work, 'cache', '01', '23')).sort(), [NAME, `${NAME}.siginfo`], 'no temp file left');

  const target = join(work, 'restored', 'sysroot');
  const r = await restoreObject(w.path, [{ archivePrefix: 'image', target }]);
  t.true(r.members > 20);
  t.deepEqual(snapshot(target), snapshot(src));
  for (const s of snapshot(target, true)) t.is(s.mtime, SDE, s.path);
  t.is(Math.floor(lstatSync(target).mtimeMs / 1000), SDE);
  t.is(lstatSync(join(target, 'usr/bin/tool')).ino, lstatSync(join(target, 'usr/bin/tool-alias')).ino, 'hard link kept');
  t.deepEqual(readdirSync(join(work, 'restored')), ['sysroot'], 'no temp directory left');
});

test('GNU tar reads the object; members are sorted by byte order with the prefix first, owned by root', async (t) => {
  if (!requireTool(t, hasCommand('tar') && hasCommand('zstd'), 'tar and zstd (Debian: tar, zstd)')) return;
  const work = tempDir(t, 'gnutar');
  const src = makeTree(join(work, 'src'));
  const w = await write(join(work, 'cache'), [{ dir: src, archivePrefix: 'sysroot-destdir' }]);
  const list = spawnSync('sh', ['-c', `zstd -dc '${w.path}' | tar -tvf - --numeric-owner --full-time`], { encoding: 'utf8' });
  t.is(list.status, 0, list.stderr);
  const lines = list.stdout.trim().split('\n');
  const names = lines.map((l) => l.split(/\s+/).slice(5).join(' ').replace(/ -> .*| link to .*/, ''));
  t.is(names[0], 'sysroot-destdir/');
  const rel = names.slice(1).map((n) => n.replace(/\/$/, ''));
  t.deepEqual(rel, [...rel].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
  t.true(names.indexOf('sysroot-destdir/a/') < names.indexOf('sysroot-destdir/a-b'), 'a directory before names it prefixes');
  t.true(names.indexOf('sysroot-destdir/a-b') < names.indexOf('sysroot-destdir/a/b'), "'-' sorts before '/'");
  for (const l of lines) t.regex(l, /^\S+ 0\/0 /, l);
  t.true(lines.some((l) => l.startsWith('-rwsr-xr-x') && l.endsWith('usr/bin/suid')), 'setuid kept');
  t.true(lines.some((l) => /^hrwxr-xr-x .*usr\/bin\/tool-alias link to sysroot-destdir\/usr\/bin\/tool$/.test(l)), 'hard link member');
  t.true(lines.some((l) => l.endsWith('usr/lib/abs-link -> /usr/lib/libdemo.so.1.0')), 'absolute symlink as written');
  t.true(lines.every((l) => l.includes('2023-11-14 22:13:20')), 'mtime fixed');
});

test('two writes of the same tree are byte-identical, whatever the times and creation order', async (t) => {
  const work = tempDir(t, 'determinism');
  const a = makeTree(join(work, 'a'), { stampSeed: 1 });
  const b = makeTree(join(work, 'b'), { reverse: true, stampSeed: 999 });
  utimesSync(join(b, 'etc/demo.conf'), 5, 5); // atime and mtime far away
  const wa = await write(join(work, 'ca'), [{ dir: a, archivePrefix: 'image' }]);
  const wb = await write(join(work, 'cb'), [{ dir: b, archivePrefix: 'image' }]);
  t.true(readFileSync(wa.path).equals(readFileSync(wb.path)));
  const wc = await write(join(work, 'cc'), [{ dir: a, archivePrefix: 'image' }], { mtime: SDE + 1 });
  t.false(readFileSync(wa.path).equals(readFileSync(wc.path)), 'the mtime given does enter the archive');
});

test('several inputs restore to their own targets; an input that did not exist stays absent', async (t) => {
  const work = tempDir(t, 'multi');
  const one = makeTree(join(work, 'one'));
  mkdirSync(join(work, 'two', 'x'), { recursive: true });
  writeFileSync(join(work, 'two', 'x', 'f'), 'two\n');
  linkSync(join(one, 'etc', 'demo.conf'), join(work, 'two', 'x', 'g')); // a hard link across inputs
  const w = await write(join(work, 'cache'), [
    { dir: one, archivePrefix: 'sysroot-destdir' },
    { dir: join(work, 'two'), archivePrefix: 'deploy/ipk' },
    { dir: join(work, 'missing'), archivePrefix: 'pkgdata' },
  ]);
  const out = (p: string): string => join(work, 'out', p);
  mkdirSync(out('pkgdata'), { recursive: true });
  writeFileSync(out('pkgdata/stale'), 'old');
  await restoreObject(w.path, [
    { archivePrefix: 'sysroot-destdir', target: out('sysroot') },
    { archivePrefix: 'deploy/ipk', target: out('ipk') },
    { archivePrefix: 'pkgdata', target: out('pkgdata') },
  ]);
  t.deepEqual(snapshot(out('sysroot')), snapshot(one));
  t.is(readFileSync(out('ipk/x/f'), 'utf8'), 'two\n');
  t.is(readFileSync(out('ipk/x/g'), 'utf8'), 'a=1\n');
  t.is(lstatSync(out('ipk/x/g')).ino, lstatSync(out('sysroot/etc/demo.conf')).ino, 'linked to the first name, in the other output');
  t.false(existsSync(out('pkgdata')), 'the output had nothing stored, so it is absent after the restore');
});

test('restore replaces an existing target; nothing of the old tree is left', async (t) => {
  const work = tempDir(t, 'replace');
  const src = makeTree(join(work, 'src'));
  const w = await write(join(work, 'cache'), [{ dir: src, archivePrefix: 'image' }]);
  const target = join(work, 'target');
  mkdirSync(join(target, 'usr'), { recursive: true });
  writeFileSync(join(target, 'usr', 'stale'), 'old');
  await restoreObject(w.path, [{ archivePrefix: 'image', target }]);
  t.false(existsSync(join(target, 'usr', 'stale')));
  t.deepEqual(snapshot(target), snapshot(src));
  t.deepEqual(readdirSync(work).sort(), ['cache', 'src', 'target']);
});

test('a large object (decompressed on a worker thread) round-trips', async (t) => {
  const work = tempDir(t, 'large');
  const big = randomBig(6 << 20);
  const src = makeTree(join(work, 'src'), { big });
  const w = await write(join(work, 'cache'), [{ dir: src, archivePrefix: 'image' }], { level: 1 });
  t.true(w.size > 5 << 20);
  const target = join(work, 'target');
  const r = await restoreObject(w.path, [{ archivePrefix: 'image', target }]);
  t.true(r.bytes > 6 << 20);
  t.deepEqual(snapshot(target), snapshot(src));
});

test('ifMissing touches an existing object instead of rewriting it', async (t) => {
  const work = tempDir(t, 'ifmissing');
  const src = makeTree(join(work, 'src'));
  const cache = join(work, 'cache');
  const first = await write(cache, [{ dir: src, archivePrefix: 'image' }], { siginfo: '{}\n' });
  utimesSync(first.path, 1000, 1000);
  utimesSync(siginfoPath(first.path), 1000, 1000);
  const ino = statSync(first.path).ino;
  writeFileSync(join(src, 'etc', 'new-file'), 'changes nothing: the object is not rewritten');
  const again = await write(cache, [{ dir: src, archivePrefix: 'image' }], { ifMissing: true, siginfo: '{"other":1}\n' });
  t.true(again.reused);
  t.is(again.size, first.size);
  t.is(statSync(first.path).ino, ino);
  t.true(statSync(first.path).mtimeMs > Date.now() - 60_000, 'touched');
  t.true(statSync(siginfoPath(first.path)).mtimeMs > Date.now() - 60_000, 'siginfo touched');
  t.is(readFileSync(siginfoPath(first.path), 'utf8'), '{}\n', 'siginfo kept');
  const rewritten = await write(cache, [{ dir: src, archivePrefix: 'image' }]);
  t.false(rewritten.reused);
  t.not(statSync(first.path).ino, ino, 'without ifMissing the object is written again (renamed over)');
});

test('concurrent writers of one object leave one whole object and no temp files', async (t) => {
  const work = tempDir(t, 'race');
  const src = makeTree(join(work, 'src'));
  const cache = join(work, 'cache');
  const all = await Promise.all([1, 2, 3].map(() => write(cache, [{ dir: src, archivePrefix: 'image' }])));
  t.true(all.every((w) => w.size === all[0]?.size));
  t.deepEqual(readdirSync(join(cache, '01', '23')), [NAME]);
  await restoreObject(objectPath(cache, NAME), [{ archivePrefix: 'image', target: join(work, 'out') }]);
  t.deepEqual(snapshot(join(work, 'out')), snapshot(src));
});

test('owners come from the callback when given', async (t) => {
  if (!requireTool(t, hasCommand('tar') && hasCommand('zstd'), 'tar and zstd (Debian: tar, zstd)')) return;
  const work = tempDir(t, 'owners');
  const src = makeTree(join(work, 'src'));
  const w = await write(join(work, 'cache'), [{ dir: src, archivePrefix: 'image' }], {
    owners: (p) => (p.endsWith('/etc/demo.conf') ? { uid: 1000, gid: 100, uname: 'builder', gname: 'users' } : { uid: 0, gid: 0, uname: 'root', gname: 'root' }),
  });
  const list = spawnSync('sh', ['-c', `zstd -dc '${w.path}' | tar -tvf -`], { encoding: 'utf8' }).stdout;
  t.regex(list, /builder\/users .* image\/etc\/demo\.conf\n/);
  t.regex(list, /root\/root .* image\/etc\/demo\.conf\.hard link to image\/etc\/demo\.conf/);
});

test('bad prefixes and device nodes are refused', async (t) => {
  const work = tempDir(t, 'refuse');
  const src = makeTree(join(work, 'src'));
  const cache = join(work, 'cache');
  await t.throwsAsync(write(cache, [{ dir: src, archivePrefix: '../up' }]), { instanceOf: SstateWriteError });
  await t.throwsAsync(write(cache, [{ dir: src, archivePrefix: '/abs' }]), { instanceOf: SstateWriteError });
  await t.throwsAsync(write(cache, [{ dir: src, archivePrefix: 'a' }, { dir: src, archivePrefix: 'a/b' }]), { instanceOf: SstateWriteError });
  const fifo = hasCommand('mkfifo') && spawnSync('mkfifo', [join(src, 'fifo')]).status === 0;
  if (requireTool(t, fifo, 'mkfifo (Debian package coreutils)')) {
    await t.throwsAsync(write(cache, [{ dir: src, archivePrefix: 'image' }]), { instanceOf: SstateWriteError, message: /FIFO/ });
  }
  t.false(existsSync(join(cache, '01', '23')) && readdirSync(join(cache, '01', '23')).length > 0, 'no object or temp file');
});

test('an aborted restore or write leaves no temp files and the target as it was', async (t) => {
  const work = tempDir(t, 'abort');
  const src = makeTree(join(work, 'src'), { big: randomBig(6 << 20) });
  const cache = join(work, 'cache');
  const aborted = AbortSignal.abort();
  await t.throwsAsync(write(cache, [{ dir: src, archivePrefix: 'image' }], { signal: aborted }), { name: 'AbortError' });
  t.false(existsSync(join(cache, '01', '23')) && readdirSync(join(cache, '01', '23')).length > 0);
  const w = await write(cache, [{ dir: src, archivePrefix: 'image' }], { level: 1 });
  const target = join(work, 'out', 'image');
  mkdirSync(target, { recursive: true });
  writeFileSync(join(target, 'keep'), 'k');
  await t.throwsAsync(restoreObject(w.path, [{ archivePrefix: 'image', target }], { signal: aborted }), { name: 'AbortError' });
  t.deepEqual(readdirSync(join(work, 'out')), ['image']);
  t.deepEqual(readdirSync(target), ['keep']);
  // Aborted part-way (or not at all, if the restore wins the race): never a half-restored target.
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 5);
  const outcome = await restoreObject(w.path, [{ archivePrefix: 'image', target }], { signal: ac.signal }).then(
    () => 'done',
    (e: unknown) => (e instanceof Error ? e.name : 'other'),
  );
  t.deepEqual(readdirSync(join(work, 'out')), ['image']);
  if (outcome === 'done') t.deepEqual(snapshot(target), snapshot(src));
  else {
    t.is(outcome, 'AbortError');
    t.deepEqual(readdirSync(target), ['keep']);
  }
});

test('merge moves entries into a shared target: same names replaced, the rest kept, symlinks replaced not followed', async (t) => {
  const work = tempDir(t, 'merge');
  const src = join(work, 'deploy-ipk');
  const files: ReadonlyArray<readonly [string, string]> = [['core2-64/demo_1.0_core2-64.ipk', 'new demo'], ['core2-64/sub/x', 'x'], ['all/demo-doc.ipk', 'doc'], ['via-link/inside', 'i']];
  for (const [p, body] of files) {
    mkdirSync(join(src, p, '..'), { recursive: true });
    writeFileSync(join(src, p), body);
  }
  const w = await write(join(work, 'cache'), [{ dir: src, archivePrefix: 'output0' }, { dir: join(work, 'none'), archivePrefix: 'output1' }]);
  const shared = join(work, 'DEPLOY_DIR_IPK');
  const elsewhere = join(work, 'elsewhere');
  mkdirSync(join(shared, 'core2-64'), { recursive: true });
  mkdirSync(elsewhere);
  writeFileSync(join(shared, 'core2-64', 'other_2.0_core2-64.ipk'), 'another recipe');
  writeFileSync(join(shared, 'core2-64', 'demo_1.0_core2-64.ipk'), 'old demo');
  symlinkSync(elsewhere, join(shared, 'via-link'));
  const other = join(work, 'other-output');
  mkdirSync(other);
  writeFileSync(join(other, 'kept'), 'k');
  await restoreObject(w.path, [
    { archivePrefix: 'output0', target: shared, merge: true },
    { archivePrefix: 'output1', target: other, merge: true },
  ]);
  t.is(readFileSync(join(shared, 'core2-64', 'other_2.0_core2-64.ipk'), 'utf8'), 'another recipe');
  t.is(readFileSync(join(shared, 'core2-64', 'demo_1.0_core2-64.ipk'), 'utf8'), 'new demo');
  t.is(readFileSync(join(shared, 'core2-64', 'sub', 'x'), 'utf8'), 'x');
  t.is(readFileSync(join(shared, 'all', 'demo-doc.ipk'), 'utf8'), 'doc');
  t.true(lstatSync(join(shared, 'via-link')).isDirectory(), 'the symlink was replaced by the directory');
  t.deepEqual(readdirSync(elsewhere), [], 'nothing was written through the symlink');
  t.deepEqual(readdirSync(other), ['kept'], 'an output with nothing stored is left as it was');
  t.deepEqual(readdirSync(work).filter((n) => n.includes('.tmp-')), [], 'no temp directory left');
});

test('two restores merging into one target at once both land', async (t) => {
  const work = tempDir(t, 'merge-race');
  const objects = await Promise.all(
    ['a', 'b'].map(async (pn) => {
      const src = join(work, `src-${pn}`);
      mkdirSync(join(src, 'core2-64', 'deep'), { recursive: true });
      writeFileSync(join(src, 'core2-64', `${pn}.ipk`), pn);
      writeFileSync(join(src, 'core2-64', 'deep', `${pn}.ipk`), pn);
      return (await writeObject({ sstateDir: join(work, `cache-${pn}`), name: NAME, inputs: [{ dir: src, archivePrefix: 'output0' }], mtime: SDE })).path;
    }),
  );
  const shared = join(work, 'shared');
  await Promise.all(objects.map((o) => restoreObject(o, [{ archivePrefix: 'output0', target: shared, merge: true }])));
  t.deepEqual(readdirSync(join(shared, 'core2-64')).sort(), ['a.ipk', 'b.ipk', 'deep']);
  t.deepEqual(readdirSync(join(shared, 'core2-64', 'deep')).sort(), ['a.ipk', 'b.ipk']);
});
