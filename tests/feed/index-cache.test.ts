import test from 'ava';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IndexCache, TEXT_CODEC, type EntryCodec } from '../../engine/feed/index-cache.js';

const PAIR: EntryCodec<{ a: string; b: string }> = { parts: 2, encode: (v) => [v.a, v.b], decode: ([a = '', b = '']) => ({ a, b }) };

function fixture(): { dir: string; file: string; pkg: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tsbake-indexcache-'));
  const pkg = join(dir, 'p.deb');
  writeFileSync(pkg, 'x');
  return { dir, file: join(dir, 'cache'), pkg };
}

test('entries survive a save and load, whatever their text holds (colons, digits, newlines, non-ASCII, empty)', (t) => {
  const { file, pkg } = fixture();
  const st = statSync(pkg);
  const values = { 'a/p.deb': { a: '12:34:\n5:', b: '' }, 'é/ü 1.deb': { a: 'Ω\u{1F600}', b: 'Package: x\nDescription: y\n z\n' } };
  const first = IndexCache.load(file, 'v1', PAIR);
  for (const [rel, v] of Object.entries(values)) first.store(rel, st, v);
  first.save();
  const second = IndexCache.load(file, 'v1', PAIR);
  for (const [rel, v] of Object.entries(values)) t.deepEqual(second.lookup(rel, st), v);
  t.is(second.misses, 0);
});

test('a changed size or mtime, another version or a damaged file is a miss', (t) => {
  const { file, pkg } = fixture();
  const st = statSync(pkg);
  const c = IndexCache.load(file, 'v1', TEXT_CODEC);
  c.store('p.deb', st, 'stanza');
  c.save();
  t.is(IndexCache.load(file, 'v1', TEXT_CODEC).lookup('p.deb', st), 'stanza');
  t.is(IndexCache.load(file, 'v2', TEXT_CODEC).lookup('p.deb', st), undefined, 'another version');
  t.is(IndexCache.load(file, 'v1', TEXT_CODEC).lookup('p.deb', { ...st, size: st.size + 1 }), undefined, 'another size');
  t.is(IndexCache.load(file, 'v1', TEXT_CODEC).lookup('p.deb', { ...st, mtimeMs: st.mtimeMs + 1 }), undefined, 'another mtime');
  writeFileSync(file, readFileSync(file, 'utf8').slice(0, -3));
  t.is(IndexCache.load(file, 'v1', TEXT_CODEC).lookup('p.deb', st), undefined, 'a truncated file');
});

test('entries of packages that are gone are dropped on save', (t) => {
  const { file, pkg } = fixture();
  const st = statSync(pkg);
  const c = IndexCache.load(file, 'v1', TEXT_CODEC);
  c.store('gone.deb', st, 'old');
  c.store('p.deb', st, 'kept');
  c.save();
  const next = IndexCache.load(file, 'v1', TEXT_CODEC);
  t.is(next.lookup('p.deb', st), 'kept');
  next.save();
  t.is(IndexCache.load(file, 'v1', TEXT_CODEC).lookup('gone.deb', st), undefined);
});
