/**
 * Sstate restore benchmark: one ~200 MB sstate object (a tree from ../shared/bench/gen-tree.py,
 * written by writeObject) restored by `restoreObject` against `zstd -dc obj | tar -C EMPTY -xf -`
 * of the same object, in the same run, alternating, each into a fresh directory.
 *
 * Goal: restore <= 1.3 x tar's time. restoreObject runs in this process (no Node start-up in
 * its figure; its decompression thread starts in the first run and is reused after, as in a
 * build); tar's figure includes starting its two processes (a few ms). The directory is
 * os.tmpdir(): TMPDIR=/dev/shm measures without the disk.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../engine/core/package-root.js';
import { restoreObject } from '../sstate/store/restore.js';
import { writeObject } from '../sstate/store/write.js';
import { measure, median, megabytes, seconds, type Bench } from './harness.js';

const GEN_TREE = join(PACKAGE_ROOT, '..', 'shared', 'bench', 'gen-tree.py');
const SIZE_MB = 200;
const GOAL = 1.3;
const SOURCE_DATE_EPOCH = 1700000000;
const NAME = 'sstate:bench-tree:core2-64-poky-linux:1.0:r0:core2-64:14:5eed0000000000000000000000000000_populate_sysroot.tar.zst';

const hasCommand = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

export const sstateRestoreBench: Bench = {
  name: 'sstate-restore',
  description: `restoreObject vs zstd -dc | tar -x of one ${SIZE_MB} MB sstate object`,
  async run(ctx) {
    const dir = mkdtempSync(join(tmpdir(), 'tsbake-bench-sstate-'));
    try {
      const tree = join(dir, 'tree');
      const gen = spawnSync('python3', [GEN_TREE, '--size-mb', String(SIZE_MB), '--out', tree], { encoding: 'utf8' });
      if (gen.status !== 0) throw new Error(`gen-tree.py failed: ${gen.stderr}`);
      ctx.note(`sstate-restore: tree in ${tree}: ${gen.stdout.trim().replace(/\n/g, ', ')}`);
      const started = process.hrtime.bigint();
      const object = await writeObject({ sstateDir: join(dir, 'sstate-cache'), name: NAME, inputs: [{ dir: tree, archivePrefix: 'image' }], mtime: SOURCE_DATE_EPOCH });
      ctx.note(`sstate-restore: object ${megabytes(object.size)} written in ${seconds(Number(process.hrtime.bigint() - started) / 1e9)}`);
      const withTar = hasCommand('zstd') && hasCommand('tar');
      if (!withTar) ctx.note('sstate-restore: zstd or tar not found (Debian: zstd, tar); printing tsbake times only');

      const ours: number[] = [];
      const theirs: number[] = [];
      // Each timed run starts with the previous one's files deleted and written back, so that
      // neither pays for the other's dirty pages or discards.
      const settle = (): void => void spawnSync('sync', { stdio: 'ignore' });
      for (let i = 0; i < ctx.runs; i++) {
        // Alternate, so that whatever else the machine does falls on both alike.
        const target = join(dir, `restored-${i}`, 'image');
        settle();
        const t0 = process.hrtime.bigint();
        await restoreObject(object.path, [{ archivePrefix: 'image', target }]);
        ours.push(Number(process.hrtime.bigint() - t0) / 1e9);
        rmSync(join(dir, `restored-${i}`), { recursive: true, force: true });
        if (withTar) {
          const empty = join(dir, `tar-${i}`);
          mkdirSync(empty);
          settle();
          const m = await measure('sh', ['-c', 'zstd -dc "$0" | tar -C "$1" -xf -', object.path, empty], { cwd: dir, env: process.env, expectStatus: 0 });
          theirs.push(m.wallS);
          rmSync(empty, { recursive: true, force: true });
        }
      }
      ctx.note(`sstate-restore: runs tsbake ${ours.map((x) => x.toFixed(2)).join(' ')}${withTar ? `  tar ${theirs.map((x) => x.toFixed(2)).join(' ')}` : ''}`);
      const ts = median(ours);
      const parts = [`sstate-restore ${SIZE_MB}MB`, `tsbake ${seconds(ts)}`];
      if (withTar) {
        const tar = median(theirs);
        parts.push(`tar ${seconds(tar)}`, `ratio ${(ts / tar).toFixed(2)} (goal <= ${GOAL})`);
      } else parts.push('tar skipped');
      ctx.out(parts.join('  '));
    } finally {
      if (ctx.keep) ctx.note(`kept ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
    }
  },
};
