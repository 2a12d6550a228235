import test from 'ava';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pack } from 'tar-stream';
import { compress } from 'zstd-napi';
import { TarCheck } from '../../../sstate/manage/tar-check.js';
import { hasCommand, requireTool } from '../../helpers/host-tools.js';
import { DAY, filesOf, listFiles, makeCache, NOW, removeTempDirs, tempDir, tsbakeSstate, type FixtureObject } from './cache-fixture.js';

test.after.always(removeTempDirs);

/** A tar archive in memory (test data only: a few small members). */
async function tarOf(members: Readonly<Record<string, string>>): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => {
    if (Buffer.isBuffer(c)) chunks.push(c);
  });
  const done = new Promise((resolve) => p.on('end', () => resolve(undefined)));
  for (const [name, text] of Object.entries(members)) p.entry({ name, mtime: new Date(0) }, text);
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

function check(data: Uint8Array, chunk = 1000): string | undefined {
  const c = new TarCheck();
  for (let i = 0; i < data.length; i += chunk) c.update(data.subarray(i, i + chunk));
  return c.finish();
}

test('TarCheck accepts whole archives in any chunking and names what is wrong with broken ones', async (t) => {
  const tar = await tarOf({ 'a/one': 'x'.repeat(700), 'a/two': '', [`long/${'n'.repeat(200)}`]: 'y' });
  for (const chunk of [1, 7, 512, 1 << 20]) t.is(check(tar, chunk), undefined, `chunk ${chunk}`);
  t.is(check(new Uint8Array(0)), 'empty archive (no tar data)');
  t.regex(check(tar.subarray(0, 1000)) ?? '', /^truncated tar data: the member at byte 0 is cut short/);
  t.regex(check(tar.subarray(0, 700)) ?? '', /^truncated tar data/);
  t.is(check(tar.subarray(0, tar.length - 1024)), 'truncated tar data: no end-of-archive marker');
  const bad = Buffer.from(tar);
  bad[100] = (bad[100] ?? 0) ^ 0xff;
  t.is(check(bad), 'bad tar header checksum at byte 0');
  t.is(check(Buffer.from('not a tar archive at all'.repeat(40))), 'bad tar header checksum at byte 0');
});

test('TarCheck reads what GNU tar writes (long names, pax headers, record padding)', (t) => {
  if (!requireTool(t, hasCommand('tar'), 'tar (Debian package tar)')) return;
  const dir = tempDir('tar');
  writeFileSync(join(dir, 'f'.repeat(150)), 'data');
  for (const format of ['gnu', 'pax', 'ustar']) {
    const name = format === 'ustar' ? 'short' : 'f'.repeat(150);
    if (format === 'ustar') writeFileSync(join(dir, name), 'data');
    const r = spawnSync('tar', ['--format', format, '-cf', '-', '-C', dir, name], { maxBuffer: 1 << 24 });
    t.is(r.status, 0, r.stderr.toString());
    t.is(check(r.stdout), undefined, format);
  }
});

test('--verify reports corrupt archives (exit 1); with a removal option they are removed', async (t) => {
  const tar = await tarOf({ 'sysroot/usr/lib/libz.so': 'elf', 'sysroot/usr/include/zlib.h': 'h' });
  const good = compress(tar);
  const objs: FixtureObject[] = [
    { pn: 'zlib', task: 'populate_sysroot', id: 'good', mtime: NOW - DAY, content: good },
    { pn: 'zlib', task: 'package', id: 'cut', mtime: NOW - DAY, content: good.subarray(0, good.length - 9) },
    { pn: 'zlib', task: 'packagedata', id: 'junk', mtime: NOW - DAY, content: Buffer.from('definitely not zstd') },
    { pn: 'zlib', task: 'deploy', id: 'half', mtime: NOW - DAY, content: compress(tar.subarray(0, 1024)) },
  ];
  const [ok, ...broken] = objs as [FixtureObject, ...FixtureObject[]];
  const cache = makeCache(objs);
  const r = tsbakeSstate(['--cache-dir', cache, '--verify']);
  t.is(r.status, 1, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  t.is(lines.length, 4, r.stdout);
  t.regex(r.stdout, /corrupt: .*_package\.tar\.zst: zstd: /);
  t.regex(r.stdout, /corrupt: .*_packagedata\.tar\.zst: zstd: /);
  t.regex(r.stdout, /corrupt: .*_deploy\.tar\.zst: truncated tar data/);
  t.is(lines[3], '4 archives verified, 3 corrupt.');
  t.deepEqual(listFiles(cache), filesOf(objs), '--verify alone removes nothing');

  const dry = tsbakeSstate(['--cache-dir', cache, '--verify', '--remove-orphans', '-n']);
  t.is(dry.status, 1, 'a dry run leaves them in place');
  t.regex(dry.stdout, /6 out of 8 files will be removed!\n$/);
  t.deepEqual(listFiles(cache), filesOf(objs), '-n removes nothing');

  const rm = tsbakeSstate(['--cache-dir', cache, '--verify', '--remove-orphans', '-y']);
  t.is(rm.status, 0, rm.stderr);
  t.deepEqual(listFiles(cache), filesOf([ok]), `corrupt archives go with their .siginfo: ${broken.length}`);
});
