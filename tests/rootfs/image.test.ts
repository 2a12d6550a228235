import test from 'ava';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageError, writeImages, writeImageText } from '../../engine/rootfs/image.js';
import { hasCommand, requireTool } from '../helpers/host-tools.js';

const TYPES = ['tar', 'tar.gz', 'tar.xz', 'tar.zst', 'ext4', 'cpio', 'cpio.gz'];
const env = { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin' };

function rootfs(): string {
  const root = mkdtempSync(join(tmpdir(), 'tsbake-img-root-'));
  mkdirSync(join(root, 'etc'));
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  writeFileSync(join(root, 'etc/hostname'), 'qemux86-64\n');
  writeFileSync(join(root, 'usr/bin/app'), '#!/bin/sh\necho app\n', { mode: 0o755 });
  symlinkSync('usr/bin', join(root, 'bin'));
  return root;
}

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

async function images(timestamp: string) {
  const outDir = mkdtempSync(join(tmpdir(), 'tsbake-img-out-'));
  const files = await writeImages({ rootfs: rootfs(), outDir, linkName: 'core-minimal-qemux86-64.rootfs', timestamp, types: TYPES, sourceDateEpoch: 1700000000, overheadFactor: 1.3, extraSpaceKiB: 1024, env });
  return { outDir, files };
}

test('every image type, with timestamped names and stable links; the same rootfs gives the same bytes', async (t) => {
  for (const tool of ['zstd', 'xz', 'cpio', 'mke2fs']) if (!requireTool(t, hasCommand(tool), `${tool} (Debian package ${tool === 'mke2fs' ? 'e2fsprogs' : tool})`)) return;
  const a = await images('20260101000000');
  const b = await images('20260102000000');
  t.deepEqual(a.files.map((f) => f.type), [...TYPES].sort());
  for (const [i, f] of a.files.entries()) {
    t.is(readlinkSync(f.link), `core-minimal-qemux86-64.rootfs-20260101000000.${f.type}`);
    t.is(sha(f.path), sha(b.files[i]?.path ?? ''), `${f.type} differs between two builds`);
  }
  const list = spawnSync('tar', ['-tvf', join(a.outDir, 'core-minimal-qemux86-64.rootfs.tar.zst')], { encoding: 'utf8' });
  t.regex(list.stdout, /-rwxr-xr-x 0\/0 +\d+ 2023-11-14 22:13 \.\/usr\/bin\/app/);
  t.regex(list.stdout, /lrwxrwxrwx 0\/0 +0 2023-11-14 22:13 \.\/bin -> usr\/bin/);
  const fsck = spawnSync('e2fsck', ['-fn', join(a.outDir, 'core-minimal-qemux86-64.rootfs.ext4')], { encoding: 'utf8' });
  t.is(fsck.status, 0, fsck.stdout + fsck.stderr);
  const cat = spawnSync('debugfs', ['-R', 'cat /etc/hostname', join(a.outDir, 'core-minimal-qemux86-64.rootfs.ext4')], { encoding: 'utf8' });
  t.is(cat.stdout, 'qemux86-64\n');
  const cpio = spawnSync('sh', ['-c', `gzip -dc ${join(a.outDir, 'core-minimal-qemux86-64.rootfs.cpio.gz')} | cpio -t --quiet`], { encoding: 'utf8' });
  t.deepEqual(cpio.stdout.trim().split('\n'), ['bin', 'etc', 'etc/hostname', 'usr', 'usr/bin', 'usr/bin/app']);
});

test('an unknown IMAGE_FSTYPES entry is an error naming the supported ones', async (t) => {
  const e = await t.throwsAsync(writeImages({ rootfs: rootfs(), outDir: mkdtempSync(join(tmpdir(), 'tsbake-img-out-')), linkName: 'x', timestamp: '1', types: ['tar', 'squashfs'], sourceDateEpoch: 0, overheadFactor: 1, extraSpaceKiB: 0, env }), { instanceOf: ImageError });
  t.is(e.message, 'unsupported IMAGE_FSTYPES: squashfs');
  t.regex(e.hint ?? '', /tar\.zst/);
});

test('text outputs get the same naming: <link>-<timestamp>.<suffix> and a link', (t) => {
  const outDir = mkdtempSync(join(tmpdir(), 'tsbake-img-out-'));
  const f = writeImageText({ outDir, linkName: 'img', timestamp: '20260101000000' }, 'manifest', 'a all 1.0\n');
  t.is(readFileSync(f.link, 'utf8'), 'a all 1.0\n');
  t.is(readlinkSync(f.link), 'img-20260101000000.manifest');
});
