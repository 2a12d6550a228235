import test from 'ava';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { utf8 } from '../../engine/feed/bytes.js';
import { IndexCache, type EntryParts } from '../../engine/feed/index-cache.js';

const parts = (...texts: string[]): EntryParts => texts.map((s) => Buffer.from(s));
const texts = (p: EntryParts | undefined): string[] | undefined => p?.map(utf8);

function fixture(): { dir: string; file: string; pkg: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tsbake-indexcache-'));
  const pkg = join(dir, 'p.deb');
  writeFileSync(pkg, 'x');
  return { dir, file: join(dir, 'cache'), pkg };
}

test('entries survive a save and load, whatever their bytes and paths hold (colons, digits, newlines, NULs, non-ASCII, empty)', (t) => {
  const { file, pkg } = fixture();
  const st = statSync(pkg);
  const values: Record<string, string[]> = { 'a/p.deb': ['12:34:\n5:', ''], 'é/ü\n1.deb': ['Ω\u{1F600}', 'Package: x\nDescription: y\n z\n'], 'z.deb': ['\0\0', '3'] };
  const first = IndexCache.load(file, 'v1', 2);
  for (const [rel, v] of Object.entries(values)) first.store(rel, st, parts(...v));
  first.save();
  const second = IndexCache.load(file, 'v1', 2);
  for (const [rel, v] of Object.entries(values)) t.deepEqual(texts(second.lookup(rel, st)), v);
  t.is(second.misses, 0);
});

test('a changed size or mtime, another version or part count, or a damaged file is a miss', (t) => {
  const { file, pkg } = fixture();
  const st = statSync(pkg);
  const c = IndexCache.load(file, 'v1', 1);
  c.store('p.deb', st, parts('stanza'));
  c.save();
  t.deepEqual(texts(IndexCache.load(file, 'v1', 1).lookup('p.deb', st)), ['stanza']);
  t.is(IndexCache.load(file, 'v2', 1).lookup('p.deb', st), undefined, 'another version');
  t.is(IndexCache.load(file, 'v1', 2).lookup('p.deb', st), undefined, 'another part count');
  t.is(IndexCache.load(file, 'v1', 1).lookup('p.deb', { ...st, size: st.size + 1 }), undefined, 'another size');
  t.is(IndexCache.load(file, 'v1', 1).lookup('p.deb', { ...st, mtimeMs: st.mtimeMs + 1 }), undefined, 'another mtime');
  const whole = readFileSync(file);
  writeFileSync(file, whole.subarray(0, -3));
  t.is(IndexCache.load(file, 'v1', 1).lookup('p.deb', st), undefined, 'a truncated file');
  writeFileSync(file, Buffer.concat([whole, Buffer.from('x')]));
  t.is(IndexCache.load(file, 'v1', 1).lookup('p.deb', st), undefined, 'trailing bytes');
});

test('entries of packages that are gone are dropped on save', (t) => {
  const { file, pkg } = fixture();
  const st = statSync(pkg);
  const c = IndexCache.load(file, 'v1', 1);
  c.store('gone.deb', st, parts('old'));
  c.store('p.deb', st, parts('kept'));
  c.save();
  const next = IndexCache.load(file, 'v1', 1);
  t.deepEqual(texts(next.lookup('p.deb', st)), ['kept']);
  next.save();
  const saved = statSync(file).ino;
  const unchanged = IndexCache.load(file, 'v1', 1);
  t.deepEqual(texts(unchanged.lookup('p.deb', st)), ['kept']);
  unchanged.save();
  t.is(statSync(file).ino, saved, 'a cache whose entries all hit is not rewritten');
  t.is(IndexCache.load(file, 'v1', 1).lookup('gone.deb', st), undefined);
});

test('a few changes go to a delta laid over the cache; many rewrite it and void the delta; a delta of another generation is ignored', (t) => {
  const { file, pkg } = fixture();
  const st = statSync(pkg);
  const names = Array.from({ length: 40 }, (_, i) => `p${i}.deb`);
  const first = IndexCache.load(file, 'v1', 1);
  for (const n of names) first.store(n, st, parts(`old ${n}`));
  first.save();
  const base = statSync(file).ino;

  const second = IndexCache.load(file, 'v1', 1);
  for (const n of names.slice(1)) t.truthy(second.lookup(n, st));
  second.store('p1.deb', { ...st, mtimeMs: st.mtimeMs + 1 }, parts('new p1'));
  second.save();
  t.is(statSync(file).ino, base, 'the cache itself is not rewritten');
  t.true(existsSync(`${file}.delta`));
  const delta = readFileSync(`${file}.delta`);

  const read = IndexCache.load(file, 'v1', 1);
  t.is(read.lookup('p0.deb', st), undefined, 'a path that went stays gone');
  t.deepEqual(texts(read.lookup('p1.deb', { ...st, mtimeMs: st.mtimeMs + 1 })), ['new p1']);
  t.deepEqual(texts(read.lookup('p2.deb', st)), ['old p2.deb']);

  const third = IndexCache.load(file, 'v1', 1); // p1 went, the others changed
  t.truthy(third.lookup('p2.deb', st));
  for (const n of names.slice(3)) third.store(n, { ...st, mtimeMs: st.mtimeMs + 2 }, parts(`newer ${n}`));
  third.save();
  t.not(statSync(file).ino, base, 'many changes rewrite the cache');
  t.false(existsSync(`${file}.delta`));

  writeFileSync(`${file}.delta`, delta); // left over from before the rewrite
  const fourth = IndexCache.load(file, 'v1', 1);
  t.is(fourth.lookup('p1.deb', { ...st, mtimeMs: st.mtimeMs + 1 }), undefined, 'an entry only the stale delta has');
  t.deepEqual(texts(fourth.lookup('p5.deb', { ...st, mtimeMs: st.mtimeMs + 2 })), ['newer p5.deb']);
});
