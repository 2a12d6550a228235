import test from 'ava';
import { byteCompare } from '../../engine/core/byte-order.js';

const bytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

test('byteCompare orders as the UTF-8 bytes do, also where UTF-16 units disagree (astral vs U+E000-U+FFFF)', (t) => {
  const names = ['', 'a', 'a/b', 'a-b', 'a.b', 'B', 'é', '中', '\ue000', '\uffff', '😀', 'a😀', 'a\uffff', 'ab'];
  for (const a of names) for (const b of names) t.is(byteCompare(a, b), bytes(a, b), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  t.deepEqual(['😀', '\uffff', 'b', 'a'].sort(byteCompare), ['a', 'b', '\uffff', '😀']);
});
