import test from 'ava';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { arHeader } from '../../engine/package/archive/ar.js';
import { writeArPackage } from '../../engine/package/archive/ar-package.js';
import { BATCH } from '../../engine/package/archive/coalesce.js';
import { spool } from '../../engine/package/archive/spool.js';
import { memoryMember, tarStream, type TarMember } from '../../engine/package/archive/tar-stream.js';
import { zstdCompress } from '../../engine/package/archive/zstd-compress.js';
import { controlDescription, dpkgRelations } from '../../engine/package/model/control.js';
import { hasCommand, requireTool } from '../helpers/host-tools.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

test('tar members with names and link targets over 100 bytes are read back by GNU tar (GNU long names, no pax)', async (t) => {
  if (!requireTool(t, hasCommand('tar'), 'tar')) return;
  const dir = await mkdtemp(join(tmpdir(), 'tsbake-tar-'));
  const long = `./${'d'.repeat(120)}/${'f'.repeat(110)}`;
  const members: TarMember[] = [
    memoryMember(long, 'data\n', 0o644, 1700000000),
    { header: { name: './link', type: 'symlink', mode: 0o777, uid: 0, gid: 0, uname: 'root', gname: 'root', size: 0, mtime: 1700000000, linkname: long.slice(2) } },
  ];
  const file = join(dir, 'x.tar');
  writeFileSync(file, Buffer.concat([...tarStream(members)]));
  const listing = spawnSync('tar', ['-tvf', file], { encoding: 'utf8' });
  t.is(listing.status, 0, listing.stderr);
  t.true(listing.stdout.includes(long));
  t.true(listing.stdout.includes(`./link -> ${long.slice(2)}`));
  t.false(readFileSync(file).includes('PaxHeader'), 'no pax header: dpkg refuses them');
});

test('zstd gives the same bytes (one frame) for any number of threads, replacing a file or added to its end, and zstd -dc gives the input back', async (t) => {
  if (!requireTool(t, hasCommand('zstd'), 'zstd')) return;
  const dir = await mkdtemp(join(tmpdir(), 'tsbake-zstd-'));
  // several of zstd's jobs long, so that more than one thread has work
  const input = Buffer.alloc(40 * BATCH + 1234);
  for (let i = 0; i < input.length; i++) input[i] = (i * 2654435761) >>> 27;
  // a small chunk, a batch-sized one, and one larger than any batch
  const chunks = (): Buffer[] => [input.subarray(0, 1000), input.subarray(1000, 2 * BATCH), input.subarray(2 * BATCH)];
  const zstd = (name: string, threads: number): ReturnType<typeof spool> =>
    spool(chunks(), { compression: { kind: 'zstd', level: 3, threads }, path: join(dir, name), digest: 'sha256' });
  const one = await zstd('a.zst', 1);
  for (const threads of [2, 4]) {
    const many = await zstd(`t${threads}.zst`, threads);
    t.is(sha(readFileSync(join(dir, `t${threads}.zst`))), sha(readFileSync(join(dir, 'a.zst'))), `${threads} threads`);
    t.deepEqual(many, { ...one, path: join(dir, `t${threads}.zst`) });
  }
  t.is(one.rawSize, input.length);
  t.is(one.rawDigest, sha(input));
  t.is(one.digest, sha(readFileSync(join(dir, 'a.zst'))));
  t.is(sha(spawnSync('zstd', ['-dc', join(dir, 'a.zst')], { maxBuffer: 1 << 26 }).stdout), sha(input));
  // one frame: dpkg 1.21 reads no further than the first
  t.regex(spawnSync('zstd', ['-lv', join(dir, 'a.zst')], { encoding: 'utf8' }).stdout, /Frames:\s*1\b/);
  // added to the end of a file that has bytes already (the last member of an .ipk)
  const head = Buffer.from('earlier members\n');
  writeFileSync(join(dir, 'c.zst'), head);
  const result = await zstdCompress(chunks(), { level: 3, threads: 2, path: join(dir, 'c.zst'), append: true });
  t.is(result.size, one.size);
  t.is(sha(readFileSync(join(dir, 'c.zst'))), sha(Buffer.concat([head, readFileSync(join(dir, 'a.zst'))])));
});

test('zstd: a file that cannot be written fails the write, naming it', async (t) => {
  const input = Buffer.alloc(2 * BATCH, 7);
  const path = join(await mkdtemp(join(tmpdir(), 'tsbake-zstd-')), 'missing-dir', 'x.zst');
  await t.throwsAsync(zstdCompress([input.subarray(0, BATCH), input.subarray(BATCH)], { level: 3, path }), { message: /ENOENT.*x\.zst/ });
});

test('zstd takes every chunk before its batch is reused: the batches go back to the pool at once', async (t) => {
  if (!requireTool(t, hasCommand('zstd'), 'zstd')) return;
  const dir = await mkdtemp(join(tmpdir(), 'tsbake-zstd-'));
  const sizes = [3 * BATCH + 5, ...Array.from({ length: 40 }, (_, i) => 100_000 * i + 7), BATCH];
  const members: TarMember[] = sizes.map((size, i) => {
    const data = Buffer.alloc(size);
    for (let j = 0; j < size; j++) data[j] = (j * 31 + i * 7) & 0xff;
    const source = join(dir, `f${i}`);
    writeFileSync(source, data);
    return { header: { name: `./f${i}`, type: 'file', mode: 0o644, uid: 0, gid: 0, uname: 'root', gname: 'root', size, mtime: 0 }, source };
  });
  const want = Buffer.concat([...tarStream(members)].map((chunk) => Buffer.from(chunk)));
  await zstdCompress(tarStream(members), { level: 3, threads: 2, path: join(dir, 'all.zst') });
  t.is(sha(spawnSync('zstd', ['-dc', join(dir, 'all.zst')], { maxBuffer: 1 << 27 }).stdout), sha(want));
});

/** The members of an ar file, each checked to be padded to an even offset, and nothing after the last. */
function arMembers(file: Buffer): Map<string, Buffer> {
  const members = new Map<string, Buffer>();
  let at = 8;
  while (at < file.length) {
    const header = file.subarray(at, at + 60).toString('latin1');
    const size = Number(header.slice(48, 58).trim());
    members.set(header.slice(0, 16).trim().replace(/\/$/, ''), file.subarray(at + 60, at + 60 + size));
    at += 60 + size + (size % 2);
  }
  if (at !== file.length) throw new Error(`ar: ${file.length} bytes, members end at ${at}`);
  return members;
}

test('the data archive of an ipk, compressed onto the end of the package, has its size in its header and is padded to an even length', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tsbake-ar-'));
  const style = { gnuNames: true, mtime: 0, mode: '644' };
  const parities = new Set<number>();
  // gzip sizes vary with the content: go on until both an odd and an even data archive were written
  for (let n = 1; parities.size < 2; n++) {
    const data = [memoryMember('./f', 'x'.repeat(n) + String(n * 7919), 0o644, 0)];
    const control = [memoryMember('./control', 'Package: p\n', 0o644, 0)];
    const path = join(dir, `p${n}.ipk`);
    await writeArPackage({ data, dataCompression: { kind: 'gzip', level: 9 }, control, controlCompression: { kind: 'gzip', level: 9 }, style }, path, { tmpDir: dir, prefix: `p${n}` });
    const members = arMembers(readFileSync(path));
    t.deepEqual([...members.keys()], ['debian-binary', 'control.tar.gz', 'data.tar.gz']);
    t.deepEqual(gunzipSync(members.get('data.tar.gz') ?? Buffer.alloc(0)), Buffer.concat([...tarStream(data)]));
    t.deepEqual(gunzipSync(members.get('control.tar.gz') ?? Buffer.alloc(0)), Buffer.concat([...tarStream(control)]));
    parities.add((members.get('data.tar.gz')?.length ?? 0) % 2);
  }
});

test('ar headers: dpkg-deb style and GNU ar -D style (opkg-build)', (t) => {
  t.is(arHeader('debian-binary', 4, { gnuNames: false, mtime: 1700000000, mode: '100644' }).toString('latin1'), 'debian-binary   1700000000  0     0     100644  4         `\n');
  t.is(arHeader('data.tar.gz', 496, { gnuNames: true, mtime: 0, mode: '644' }).toString('latin1'), 'data.tar.gz/    0           0     0     644     496       `\n');
});

test('Description: the summary, then the long text folded at 74 columns, blank lines as " ."', (t) => {
  const words = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');
  const text = controlDescription('A summary', `${words}\n\nSecond paragraph.`);
  const lines = text.split('\n');
  t.is(lines[0], 'A summary');
  t.true(lines.slice(1).every((l) => l.startsWith(' ') && l.length <= 75));
  t.true(lines.includes(' .'));
  t.is(lines[lines.length - 1], ' Second paragraph.');
  t.is(controlDescription('', 'one\\ntwo\\n\\nthree'), 'one\n one\n two\n .\n three');
});

test('dpkg relations as oe-core writes them: << and >>, = without a revision widened, Provides without versions', (t) => {
  t.is(dpkgRelations([{ name: 'a', constraint: { op: '<', version: '2' } }, { name: 'b', constraint: { op: '>', version: '1' } }]), 'a (<< 2), b (>> 1)');
  t.is(dpkgRelations([{ name: 'c', constraint: { op: '=', version: '1.2' } }]), 'c (>= 1.2), c (<< 1.2.0)');
  t.is(dpkgRelations([{ name: 'd', constraint: { op: '=', version: '1.2-r0' } }]), 'd (= 1.2-r0)');
  t.is(dpkgRelations([{ name: 'e', constraint: { op: '>=', version: '1' } }], false), 'e');
});
