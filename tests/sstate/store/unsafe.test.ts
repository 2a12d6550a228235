import test from 'ava';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compress, decompress } from 'zstd-napi';
import { CorruptObjectError, restoreObject, UnsafeArchiveError } from '../../../sstate/store/restore.js';
import { writeObject } from '../../../sstate/store/write.js';
import { craftObject, makeTree, NAME, randomBig, SDE, tempDir, type RawMember } from './fixture-tree.js';

/** A target with content, so that "nothing written" also means "nothing lost". */
function existingTarget(work: string): string {
  const target = join(work, 'out', 'image');
  mkdirSync(target, { recursive: true });
  writeFileSync(join(target, 'keep'), 'previous restore\n');
  return target;
}

function untouched(t: { deepEqual: (a: unknown, b: unknown, m?: string) => void; is: (a: unknown, b: unknown, m?: string) => void }, target: string): void {
  t.deepEqual(readdirSync(join(target, '..')), ['image'], 'no temp directory left beside the target');
  t.deepEqual(readdirSync(target), ['keep'], 'target unchanged');
  t.is(readFileSync(join(target, 'keep'), 'utf8'), 'previous restore\n');
}

async function object(work: string, big = false): Promise<string> {
  const src = makeTree(join(work, 'src'), big ? { big: randomBig(6 << 20) } : {});
  return (await writeObject({ sstateDir: join(work, 'cache'), name: NAME, inputs: [{ dir: src, archivePrefix: 'image' }], mtime: SDE, level: 1 })).path;
}

for (const big of [false, true]) {
  const label = big ? ' (large object, worker thread)' : '';

  test(`a flipped byte is a CorruptObjectError and nothing reaches the target${label}`, async (t) => {
    const work = tempDir(t, 'flip');
    const path = await object(work, big);
    const bytes = readFileSync(path);
    const at = Math.floor(bytes.length / 2);
    bytes[at] = (bytes[at] ?? 0) ^ 0x40;
    writeFileSync(path, bytes);
    const target = existingTarget(work);
    await t.throwsAsync(restoreObject(path, [{ archivePrefix: 'image', target }]), { instanceOf: CorruptObjectError });
    untouched(t, target);
  });

  test(`a truncated object is a CorruptObjectError and nothing reaches the target${label}`, async (t) => {
    const work = tempDir(t, 'trunc');
    const path = await object(work, big);
    truncateSync(path, statSync(path).size - 100);
    const target = existingTarget(work);
    const err = await t.throwsAsync(restoreObject(path, [{ archivePrefix: 'image', target }]), { instanceOf: CorruptObjectError });
    t.is(err?.code, 'E_SSTATE_CORRUPT');
    untouched(t, target);
  });
}

test('garbage, an empty file and a tar without its end blocks are corrupt; a missing object is an I/O error', async (t) => {
  const work = tempDir(t, 'garbage');
  const target = existingTarget(work);
  const garbage = join(work, 'garbage.tar.zst');
  writeFileSync(garbage, 'this is not zstd at all');
  await t.throwsAsync(restoreObject(garbage, [{ archivePrefix: 'image', target }]), { instanceOf: CorruptObjectError });
  const empty = join(work, 'empty.tar.zst');
  writeFileSync(empty, '');
  await t.throwsAsync(restoreObject(empty, [{ archivePrefix: 'image', target }]), { instanceOf: CorruptObjectError });
  // A valid zstd frame holding a tar cut at a member boundary.
  const cut = join(work, 'cut.tar.zst');
  await craftObject(join(work, 'whole.tar.zst'), [{ name: 'image/', type: 'directory' }]);
  const headerOnly = decompress(readFileSync(join(work, 'whole.tar.zst'))).subarray(0, 512);
  writeFileSync(cut, compress(headerOnly));
  const err = await t.throwsAsync(restoreObject(cut, [{ archivePrefix: 'image', target }]), { instanceOf: CorruptObjectError });
  t.regex(err?.message ?? '', /truncated/);
  const missing = await t.throwsAsync(restoreObject(join(work, 'nope.tar.zst'), [{ archivePrefix: 'image', target }]));
  t.false(missing instanceof CorruptObjectError);
  t.is((missing as NodeJS.ErrnoException | undefined)?.code, 'ENOENT');
  untouched(t, target);
});

interface Case {
  readonly title: string;
  readonly members: (outside: string) => RawMember[];
  /** The member the error must name. */
  readonly member: string;
}

const dirMember: RawMember = { name: 'image/', type: 'directory', mode: 0o755 };

const CASES: readonly Case[] = [
  { title: 'an absolute name', members: (outside) => [dirMember, { name: `${outside}/abs`, data: 'x' }], member: '/abs' },
  { title: "a name with '..'", members: () => [dirMember, { name: 'image/../../escaped', data: 'x' }], member: 'image/../../escaped' },
  { title: 'a name outside every archive prefix', members: () => [dirMember, { name: 'other/file', data: 'x' }], member: 'other/file' },
  {
    title: 'a file written through a symlink the archive made',
    members: (outside) => [dirMember, { name: 'image/link', type: 'symlink', linkname: outside }, { name: 'image/link/pwned', data: 'x' }],
    member: 'image/link/pwned',
  },
  {
    title: 'a directory made through a symlink',
    members: (outside) => [dirMember, { name: 'image/link', type: 'symlink', linkname: outside }, { name: 'image/link/sub/', type: 'directory' }],
    member: 'image/link/sub/',
  },
  {
    title: 'a file replacing a symlink (which would write through it)',
    members: (outside) => [dirMember, { name: 'image/passwd', type: 'symlink', linkname: `${outside}/passwd` }, { name: 'image/passwd', data: 'root::0:0::/:/bin/sh\n' }],
    member: 'image/passwd',
  },
  { title: 'a hard link to /etc/passwd', members: () => [dirMember, { name: 'image/pw', type: 'link', linkname: '/etc/passwd' }], member: 'image/pw' },
  { title: "a hard link with '..'", members: () => [dirMember, { name: 'image/pw', type: 'link', linkname: 'image/../../../../etc/passwd' }], member: 'image/pw' },
  {
    title: 'a hard link to a symlink',
    members: (outside) => [dirMember, { name: 'image/l', type: 'symlink', linkname: `${outside}/victim` }, { name: 'image/h', type: 'link', linkname: 'image/l' }],
    member: 'image/h',
  },
  { title: 'a hard link to a member not extracted', members: () => [dirMember, { name: 'image/h', type: 'link', linkname: 'image/later' }, { name: 'image/later', data: 'x' }], member: 'image/h' },
];

for (const c of CASES) {
  test(`UnsafeArchiveError for ${c.title}, and nothing outside the target`, async (t) => {
    const work = tempDir(t, 'unsafe');
    const outside = join(work, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'victim'), 'untouched\n');
    const path = await craftObject(join(work, 'evil.tar.zst'), c.members(outside));
    const target = existingTarget(work);
    const err = await t.throwsAsync(restoreObject(path, [{ archivePrefix: 'image', target }]), { instanceOf: UnsafeArchiveError });
    t.true(err?.member.endsWith(c.member), `${err?.member} names ${c.member}`);
    t.is(err?.code, 'E_SSTATE_UNSAFE');
    t.deepEqual(readdirSync(outside), ['victim']);
    t.is(readFileSync(join(outside, 'victim'), 'utf8'), 'untouched\n');
    t.false(existsSync(join(work, 'escaped')));
    untouched(t, target);
  });
}

test('device nodes and FIFOs in an archive are corrupt (tsbake does not restore them)', async (t) => {
  const work = tempDir(t, 'devices');
  for (const type of ['character-device', 'block-device', 'fifo'] as const) {
    const path = await craftObject(join(work, `${type}.tar.zst`), [dirMember, { name: 'image/dev', type, devmajor: 1, devminor: 3 }]);
    const target = existingTarget(work);
    await t.throwsAsync(restoreObject(path, [{ archivePrefix: 'image', target }]), { instanceOf: CorruptObjectError, message: new RegExp(type) });
    untouched(t, target);
  }
});

test('symlinks may point anywhere (absolute ones are normal in a sysroot); they are created as written', async (t) => {
  const work = tempDir(t, 'symlinks');
  const path = await craftObject(join(work, 'ok.tar.zst'), [
    dirMember,
    { name: 'image/abs', type: 'symlink', linkname: '/etc/passwd' },
    { name: 'image/up', type: 'symlink', linkname: '../../../../outside' },
    { name: 'image/f', data: 'x', mode: 0o640 },
    { name: 'image/hard', type: 'link', linkname: 'image/f' },
  ]);
  const target = join(work, 'out');
  await restoreObject(path, [{ archivePrefix: 'image', target }]);
  const { readlinkSync, lstatSync } = await import('node:fs');
  t.is(readlinkSync(join(target, 'abs')), '/etc/passwd');
  t.is(readlinkSync(join(target, 'up')), '../../../../outside');
  t.is(lstatSync(join(target, 'f')).mode & 0o7777, 0o640);
  t.is(lstatSync(join(target, 'hard')).ino, lstatSync(join(target, 'f')).ino);
});
