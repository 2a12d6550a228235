import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { MemberCache } from '../../engine/feed/members.js';
import { requireTool } from '../helpers/host-tools.js';

const chunks = ['Package: a\n\n', 'Package: b\nDepends: a\n\n'.repeat(50), 'Package: c\n\n'].map((s) => Buffer.from(s));
const hasXz = spawnSync('xz', ['--version']).status === 0;

test('an xz index added chunk by chunk is one xz stream per chunk, the same bytes as xz -0 of each, and is cached by content', async (t) => {
  if (!requireTool(t, hasXz, 'xz (Debian: xz-utils)')) return;
  const dir = mkdtempSync(join(tmpdir(), 'tsbake-members-'));
  const pack = new MemberCache(dir).pack('xz');
  for (const c of chunks) pack.add(c);
  const packed = await pack.bytes();
  const expected = Buffer.concat(chunks.map((c) => spawnSync('xz', ['-T1', '-0', '-z', '-c', '-q'], { input: c }).stdout));
  t.true(packed.equals(expected));
  t.true(spawnSync('xz', ['-dc'], { input: packed }).stdout.equals(Buffer.concat(chunks)));
  t.deepEqual(readdirSync(dir).filter((n) => !n.endsWith('.xz')), [], 'no scratch files left');
  t.is(readdirSync(dir).length, chunks.length);
  // The second time every member comes from the cache: no xz process, no temp files.
  const again = new MemberCache(dir).pack('xz');
  for (const c of chunks) again.add(c);
  t.true((await again.bytes()).equals(expected));
});

test('gz and gz9 members compress on libuv threads to the bytes gzip writes, in the order the chunks came', async (t) => {
  for (const [kind, level] of [['gz', 6], ['gz9', 9]] as const) {
    const pack = new MemberCache(undefined).pack(kind);
    for (const c of chunks) pack.add(c);
    const packed = await pack.bytes();
    t.true(gunzipSync(packed).equals(Buffer.concat(chunks)), kind);
    t.true(packed.subarray(0, 10).equals(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, level === 9 ? 2 : 0, 3])), `${kind}: no name, no time`);
  }
});

test('an abandoned xz index ends its xz process and leaves no temporary files', async (t) => {
  if (!requireTool(t, hasXz, 'xz (Debian: xz-utils)')) return;
  const dir = mkdtempSync(join(tmpdir(), 'tsbake-members-'));
  const pack = new MemberCache(dir).pack('xz');
  pack.add(Buffer.from('Package: half\n\n'));
  t.is(readdirSync(dir).length, 1, 'the chunk waits for xz in a scratch directory');
  await pack.abandon();
  t.deepEqual(readdirSync(dir), []);
});
