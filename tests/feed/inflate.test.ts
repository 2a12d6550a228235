import test from 'ava';
import { randomBytes } from 'node:crypto';
import { constants, deflateRawSync } from 'node:zlib';
import { InflateError, inflateRaw } from '../../engine/feed/inflate.js';

/** Text, a run of zeros (a tar's padding: distance-1 matches), repeats further back and noise. */
const SAMPLE = Buffer.concat([
  Buffer.from('Package: demo\nVersion: 1.0-r0\nDescription: a demo package\n'.repeat(40)),
  Buffer.alloc(9000),
  Buffer.from('abcdefghij'.repeat(300)),
  randomBytes(5000),
  Buffer.from('Package: demo\n'),
]);

const ENCODINGS = [
  ['stored blocks (level 0)', { level: 0 }],
  ['fixed Huffman codes', { level: 6, strategy: constants.Z_FIXED }],
  ['dynamic Huffman codes, level 1', { level: 1 }],
  ['dynamic Huffman codes, level 9', { level: 9 }],
  ['several blocks', { level: 6, memLevel: 1 }],
] as const;

for (const [name, options] of ENCODINGS) {
  test(`inflateRaw gives zlib's input back: ${name}`, (t) => {
    const { data, complete } = inflateRaw(deflateRawSync(SAMPLE, options), Number.POSITIVE_INFINITY);
    t.true(complete);
    t.true(Buffer.from(data).equals(SAMPLE));
  });
}

test('inflateRaw stops once the limit is reached, with a prefix of the output, and says so', (t) => {
  const deflated = deflateRawSync(SAMPLE, { level: 9 });
  const { data, complete } = inflateRaw(deflated, 2048);
  t.false(complete);
  t.true(data.length >= 2048 && data.length < SAMPLE.length);
  t.true(Buffer.from(data).equals(SAMPLE.subarray(0, data.length)));
  const small = inflateRaw(deflateRawSync(Buffer.from('short')), 2048);
  t.true(small.complete);
  t.is(Buffer.from(small.data).toString(), 'short');
});

test('inflateRaw rejects truncated and corrupt data', (t) => {
  const deflated = deflateRawSync(SAMPLE, { level: 6 });
  t.throws(() => inflateRaw(deflated.subarray(0, deflated.length >> 1), Number.POSITIVE_INFINITY), { instanceOf: InflateError, message: /ends early/ });
  t.throws(() => inflateRaw(Uint8Array.of(0b111), 100), { instanceOf: InflateError, message: /block type 3/ });
  const stored = Buffer.from(deflateRawSync(Buffer.from('stored'), { level: 0 }));
  stored[3] = (stored[3] ?? 0) ^ 0xff; // NLEN no longer the complement of LEN
  t.throws(() => inflateRaw(stored, 100), { instanceOf: InflateError, message: /length check/ });
});
