import test from 'ava';
import xxhash from 'xxhash-wasm';
import { hashBytes, hashParts } from '../../engine/core/hash.js';

test('hashParts is 16 hex digits and length-prefixes each part', (t) => {
  t.regex(hashParts(['a', 'b']), /^[0-9a-f]{16}$/);
  t.not(hashParts(['ab', 'c']), hashParts(['a', 'bc']));
  t.not(hashParts(['']), hashParts([]));
  // A fixed vector: stamps and sstate names depend on this value never changing.
  t.is(hashParts(['x', 'y']), '3b61fac780c354c5');
});

test('hashParts equals streaming `${length}:${part}` into xxh64 (ARCHITECTURE rule 10)', async (t) => {
  const api = await xxhash();
  const parts = ['PN', 'busybox', '', 'ünïcode', '\0'];
  const h = api.create64();
  for (const p of parts) h.update(`${p.length}:${p}`);
  t.is(hashParts(parts), h.digest().toString(16).padStart(16, '0'));
});

test('hashBytes hashes the UTF-8 bytes, whether given a string or a buffer', (t) => {
  t.is(hashBytes('héllo'), hashBytes(Buffer.from('héllo', 'utf8')));
  t.regex(hashBytes(new Uint8Array()), /^[0-9a-f]{16}$/);
  t.not(hashBytes('a'), hashBytes('b'));
});
