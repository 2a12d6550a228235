import test from 'ava';
import { sortedBy } from '../../engine/feed/feed-files.js';

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
