import test from 'ava';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileMd5s, runsOf } from '../../../engine/package/split/file-md5.js';

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

test('files are shared out in runs of about equal bytes, in order, never an empty run', (t) => {
  const files = [10, 10, 10, 10, 40, 1, 1, 1].map((size, i) => ({ path: `f${i}`, size }));
  const runs = runsOf(files, 2);
  t.deepEqual(runs.map((r) => r.map((f) => f.path)), [['f0', 'f1', 'f2', 'f3'], ['f4', 'f5', 'f6', 'f7']]);
  t.deepEqual(runsOf(files, 4).flat(), files);
  t.true(runsOf(files, 4).every((r) => r.length > 0));
  t.deepEqual(runsOf([{ path: 'one', size: 5 }], 8), [[{ path: 'one', size: 5 }]]);
});

test('md5 of files, in this thread for a small total and shared out among worker threads for a large one, in the order asked', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tsbake-md5-'));
  const make = (sizes: readonly number[], prefix: string): { path: string; size: number; want: string }[] =>
    sizes.map((size, i) => {
      const data = Buffer.alloc(size);
      for (let j = 0; j < size; j++) data[j] = (j * 131 + i * 7) & 0xff;
      const path = join(dir, `${prefix}${i}`);
      writeFileSync(path, data);
      return { path, size, want: md5(data) };
    });
  const small = make([0, 1, 4096, 70_000], 's');
  t.deepEqual(await fileMd5s(small), small.map((f) => f.want));
  // over 32 MiB in all: worker threads take runs of it
  const large = make([12 << 20, 0, 3, 12 << 20, 5 << 20, 9 << 20, 7], 'l');
  t.deepEqual(await fileMd5s(large), large.map((f) => f.want));
  await t.throwsAsync(fileMd5s([...large, { path: join(dir, 'missing'), size: 1 }]), { message: /ENOENT.*missing/ });
});
