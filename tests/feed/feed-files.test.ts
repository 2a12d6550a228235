import test from 'ava';
import { mkdirSync, mkdtempSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageFiles, sortedBy } from '../../engine/feed/feed-files.js';

const byteOrder = (keys: readonly string[]): string[] => [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

for (const [name, keys] of [
  ['ASCII names: plain string order', ['b.deb', 'a.deb', 'B.deb', 'a-1.deb', 'a_1.deb']],
  ['accented names (BMP): string order is byte order', ['é.deb', 'z.deb', 'e.deb', 'ü.deb', '\uFFFD.deb']],
  ['a name beyond the BMP sorts after U+FFFD, as its UTF-8 bytes do (UTF-16 would put it before)', ['\uFFFD.deb', '\u{1F600}.deb', 'a.deb', '\uE000.deb']],
] as const) {
  test(`sortedBy: ${name}`, (t) => {
    t.deepEqual(sortedBy(keys, (k) => k), byteOrder(keys));
  });
}

test('sortedBy keeps the order of items with equal keys', (t) => {
  const items = [['b', 1], ['a', 2], ['b', 3], ['a', 4], ['\u{1F600}', 5], ['\u{1F600}', 6], ['\uE000', 7]] as const;
  t.deepEqual(sortedBy(items, ([k]) => k).map(([, n]) => n), [2, 4, 1, 3, 7, 5, 6]);
  t.deepEqual(sortedBy(items.slice(0, 4), ([k]) => k).map(([, n]) => n), [2, 4, 1, 3]);
});

test('packageFiles: regular files with the extensions, below skipped directories left out, no links followed, stamps as fs.stat gives them (to the microsecond)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsbake-feedfiles-'));
  mkdirSync(join(dir, 'sub dir', 'deeper'), { recursive: true });
  mkdirSync(join(dir, 'morgue'));
  mkdirSync(join(dir, 'sub dir', 'morgue'));
  const names = ['b.ipk', 'a 1.ipk', 'sub dir/deeper/c\nd.opk', 'sub dir/x.ipk', 'morgue/old.ipk', 'sub dir/morgue/old.ipk', 'notes.txt', 'é.ipk'];
  names.forEach((n, i) => writeFileSync(join(dir, n), 'x'.repeat(i)));
  utimesSync(join(dir, 'b.ipk'), 1_700_000_000.123456, 1_700_000_000.123456);
  symlinkSync(join(dir, 'b.ipk'), join(dir, 'link.ipk'));
  symlinkSync(join(dir, 'sub dir'), join(dir, 'linked dir'));
  const files = await packageFiles(dir, ['.ipk', '.opk'], ['morgue']);
  t.deepEqual(files.map((f) => f.rel), ['a 1.ipk', 'b.ipk', 'sub dir/deeper/c\nd.opk', 'sub dir/x.ipk', 'é.ipk']);
  for (const f of files) {
    const st = statSync(f.path);
    t.is(f.size, st.size, f.rel);
    t.true(Math.abs(f.mtimeMs - st.mtimeMs) < 1e-3 && Math.abs(f.ctimeMs - st.ctimeMs) < 1e-3, `${f.rel}: ${f.mtimeMs} ${st.mtimeMs}`);
  }
});

test('packageFiles of a missing directory is an error naming it', async (t) => {
  const missing = join(tmpdir(), 'tsbake-no-such-feed-dir');
  const e = await t.throwsAsync(packageFiles(missing, ['.deb']));
  t.true(e?.message.includes(missing));
});
