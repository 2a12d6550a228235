import test from 'ava';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { arHeader } from '../../engine/package/archive/ar.js';
import { BATCH, recycleBatch } from '../../engine/package/archive/coalesce.js';
import { fileDigests } from '../../engine/package/archive/file-digests.js';
import { spool } from '../../engine/package/archive/spool.js';
import { memoryMember, tarStream, type TarMember } from '../../engine/package/archive/tar-stream.js';
import { WORKER_THRESHOLD, zstdCompress } from '../../engine/package/archive/zstd-compress.js';
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

test('zstd in a worker thread gives the same bytes as in this thread, to a file or a stream, and zstd -dc gives the input back', async (t) => {
  if (!requireTool(t, hasCommand('zstd'), 'zstd')) return;
  const dir = await mkdtemp(join(tmpdir(), 'tsbake-zstd-'));
  const input = Buffer.alloc(3 * WORKER_THRESHOLD + 1234);
  for (let i = 0; i < input.length; i++) input[i] = (i * 2654435761) >>> 27;
  // a small chunk, a batch-sized one, and one larger than any batch (plain memory: copied to the worker)
  const chunks = (): Buffer[] => [input.subarray(0, 1000), input.subarray(1000, 2 * BATCH), input.subarray(2 * BATCH)];
  const zstd = (name: string, sizeHint: number): ReturnType<typeof spool> =>
    spool(chunks(), { compression: { kind: 'zstd', level: 3 }, path: join(dir, name), sizeHint, digest: 'sha256' });
  const worker = await zstd('a.zst', WORKER_THRESHOLD);
  const here = await zstd('b.zst', 0);
  t.is(sha(readFileSync(join(dir, 'a.zst'))), sha(readFileSync(join(dir, 'b.zst'))));
  t.deepEqual(worker, { ...here, path: join(dir, 'a.zst') });
  t.is(worker.rawSize, input.length);
  t.is(worker.rawDigest, sha(input));
  t.is(worker.digest, sha(readFileSync(join(dir, 'a.zst'))));
  t.is(sha(spawnSync('zstd', ['-dc', join(dir, 'a.zst')], { maxBuffer: 1 << 26 }).stdout), sha(input));
  // to a stream (TAR packages), both ways
  for (const [name, sizeHint] of [['c.zst', WORKER_THRESHOLD], ['d.zst', 0]] as const) {
    const result = await zstdCompress(chunks(), { level: 3, sizeHint, sink: { out: createWriteStream(join(dir, name)) } });
    t.is(result.size, worker.size);
    t.is(sha(readFileSync(join(dir, name))), sha(readFileSync(join(dir, 'a.zst'))));
  }
});

test('zstd in a worker thread: a failing output stream fails the write, and the worker is let go', async (t) => {
  const input = Buffer.alloc(2 * WORKER_THRESHOLD, 7);
  const out = new Writable({ write: (_chunk, _enc, done) => done(new Error('disk full')) });
  await t.throwsAsync(zstdCompress([input.subarray(0, BATCH), input.subarray(BATCH)], { level: 3, sizeHint: input.length, sink: { out } }), { message: 'disk full' });
});

test('file digests, taken in a worker thread or in this one, are the md5 sums of the files, while the batches are reused at once', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tsbake-digests-'));
  const sizes = [0, 3 * BATCH + 5, ...Array.from({ length: 40 }, (_, i) => 1000 * i + 7), 0, BATCH];
  const members: TarMember[] = sizes.map((size, i) => {
    const data = Buffer.alloc(size);
    for (let j = 0; j < size; j++) data[j] = (j * 31 + i * 7) & 0xff;
    const source = join(dir, `f${i}`);
    writeFileSync(source, data);
    return { header: { name: `./f${i}`, type: 'file', mode: 0o644, uid: 0, gid: 0, uname: 'root', gname: 'root', size, mtime: 0 }, source };
  });
  const want = new Map(members.map((m) => [m.source ?? '', createHash('md5').update(readFileSync(m.source ?? '')).digest('hex')]));
  for (const sizeHint of [0, WORKER_THRESHOLD]) {
    const digests = fileDigests('md5', sizeHint);
    // every batch goes back to the pool as soon as it is seen: the digests must not see it overwritten
    for (const chunk of tarStream(members, digests)) recycleBatch(chunk);
    t.deepEqual(await digests.result(), want, `sizeHint ${sizeHint}`);
    digests.close();
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
