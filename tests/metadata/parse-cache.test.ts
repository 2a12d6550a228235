import test from 'ava';
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cachedLoader, CACHE_FILE, type CachedLoaderOptions } from '../../engine/metadata/cached-loader.js';

const QUICK_FILE = 'tsbake-parse.snap';
import { parseAll, type ParseSummary } from '../../engine/metadata/parse-all.js';
import { FileHashes, groupAbsent, MISSING, stillAbsent } from '../../engine/metadata/parse-cache.js';
import { DiskSource } from '../../engine/metadata/session.js';
import type { RecipeInfo } from '../../engine/metadata/recipe-info.js';
import { makeLayer, openLayer, PRELUDE, tsbake } from '../helpers/layer.js';
import { PN_CONF, TEST_ENV } from '../helpers/parse-session.js';

/**
 * Recipes reading different shared files: a and d inherit foo; a requires a.inc; b includes a
 * file that does not exist (yet); c has a bbappend; e reads nothing shared.
 */
function layer(extra: Readonly<Record<string, string>> = {}): string {
  return makeLayer({
    'conf/bitbake.conf': PRELUDE + PN_CONF,
    'classes/foo.bbclass': 'FOO = "foo-1"\nDEPENDS += "foo-dep"\n',
    'meta/recipes-x/a/a_1.0.bb': 'inherit foo\nrequire a.inc\n',
    'meta/recipes-x/a/a.inc': 'DEPENDS += "inc-1"\n',
    'meta/recipes-x/b/b_1.0.bb': 'include b-extra.inc\nB = "1"\n',
    'meta/recipes-x/c/c_1.0.bb': 'DEPENDS = "c-base"\n',
    'meta/recipes-x/c/c_1.0.bbappend': 'DEPENDS += "append-1"\n',
    'meta/recipes-x/d/d_1.0.bb': 'inherit foo\n',
    'meta/recipes-x/e/e_2.0.bb': 'DEPENDS = "e-dep"\n',
    ...extra,
  });
}

interface Run {
  readonly summary: ParseSummary;
  /** Recipe files actually parsed (base names), in order. */
  readonly parsed: string[];
  readonly warnings: string[];
}

function run(dir: string, opts: Partial<CachedLoaderOptions> = {}): Run {
  const session = openLayer(dir);
  const parsed: string[] = [];
  const parseRecipe = session.parseRecipe.bind(session);
  session.parseRecipe = (file, only) => {
    parsed.push(file.slice(file.lastIndexOf('/') + 1));
    return parseRecipe(file, only);
  };
  const warnings: string[] = [];
  const summary = parseAll(session, cachedLoader(session, { env: TEST_ENV(dir), onWarning: (w) => warnings.push(w), ...opts }));
  return { summary, parsed, warnings };
}

/** Infos as they come back from the cache (JSON drops undefined fields). */
const asStored = (infos: readonly RecipeInfo[]): unknown => JSON.parse(JSON.stringify(infos));
const dependsOf = (r: Run, pn: string): readonly string[] | undefined => r.summary.recipes.find((i) => i.pn === pn)?.depends;

test('a warm parse takes every recipe from the cache and gives the same infos', (t) => {
  const dir = layer();
  const cold = run(dir);
  t.is(cold.summary.cached, 0);
  t.is(cold.summary.parsed, 5);
  t.deepEqual(cold.parsed, ['a_1.0.bb', 'b_1.0.bb', 'c_1.0.bb', 'd_1.0.bb', 'e_2.0.bb']);
  t.true(existsSync(join(dir, 'cache', CACHE_FILE)));
  const warm = run(dir);
  t.is(warm.summary.cached, 5);
  t.is(warm.summary.parsed, 0);
  t.deepEqual(warm.parsed, []);
  t.deepEqual(warm.summary.recipes, asStored(cold.summary.recipes));
  t.deepEqual(warm.warnings, []);
});

test('an edited class, .inc or .bbappend invalidates exactly the recipes that read it', (t) => {
  const dir = layer();
  run(dir);
  writeFileSync(join(dir, 'classes/foo.bbclass'), 'FOO = "foo-2"\nDEPENDS += "foo-dep-2"\n');
  let r = run(dir);
  t.deepEqual(r.parsed, ['a_1.0.bb', 'd_1.0.bb']);
  t.is(r.summary.cached, 3);
  t.deepEqual(dependsOf(r, 'd'), ['foo-dep-2']);

  writeFileSync(join(dir, 'meta/recipes-x/a/a.inc'), 'DEPENDS += "inc-2"\n');
  r = run(dir);
  t.deepEqual(r.parsed, ['a_1.0.bb']);
  t.deepEqual(dependsOf(r, 'a'), ['foo-dep-2', 'inc-2']);

  writeFileSync(join(dir, 'meta/recipes-x/c/c_1.0.bbappend'), 'DEPENDS += "append-2"\n');
  r = run(dir);
  t.deepEqual(r.parsed, ['c_1.0.bb']);
  t.deepEqual(dependsOf(r, 'c'), ['c-base', 'append-2']);

  t.deepEqual(run(dir).parsed, []);
});

test('creating a file that a recipe probed and did not find invalidates that recipe', (t) => {
  const dir = layer();
  const cold = run(dir);
  t.deepEqual(dependsOf(cold, 'b'), []);
  writeFileSync(join(dir, 'meta/recipes-x/b/b-extra.inc'), 'DEPENDS = "now-there"\n');
  const r = run(dir);
  t.deepEqual(r.parsed, ['b_1.0.bb']);
  t.deepEqual(dependsOf(r, 'b'), ['now-there']);
});

test('a new bbappend invalidates the recipe it applies to', (t) => {
  const dir = layer();
  run(dir);
  writeFileSync(join(dir, 'meta/recipes-x/e/e_%.bbappend'), 'DEPENDS += "e-appended"\n');
  const r = run(dir);
  t.deepEqual(r.parsed, ['e_2.0.bb']);
  t.deepEqual(dependsOf(r, 'e'), ['e-dep', 'e-appended']);
});

test('a configuration change reparses everything and drops the old entries', (t) => {
  const dir = layer();
  run(dir);
  writeFileSync(join(dir, 'conf/bitbake.conf'), PRELUDE + PN_CONF + 'EXTRA = "1"\n');
  const r = run(dir);
  t.is(r.summary.cached, 0);
  t.is(r.summary.parsed, 5);
  const db = new Database(join(dir, 'cache', CACHE_FILE), { readonly: true });
  t.teardown(() => db.close());
  const configs = db.prepare('SELECT DISTINCT config FROM recipe').all();
  t.is(configs.length, 1);
  t.is(run(dir).summary.cached, 5);
});

test('an approved environment variable is part of the configuration hash', (t) => {
  const dir = layer();
  run(dir);
  t.is(run(dir, { env: { ...TEST_ENV(dir), USER: 'someone-else' } }).summary.cached, 0);
});

test('a corrupt cache file is a warning and is rebuilt', (t) => {
  const dir = layer();
  run(dir);
  const path = join(dir, 'cache', CACHE_FILE);
  writeFileSync(path, 'this is not a database'.repeat(500));
  rmSync(join(dir, 'cache', QUICK_FILE)); // else the snapshot beside it answers without the database
  const r = run(dir);
  t.is(r.summary.parsed, 5);
  t.is(r.summary.errors.length, 0);
  t.is(r.warnings.length, 1);
  t.regex(r.warnings[0] ?? '', /parse cache .*tsbake-parse\.sqlite is unreadable .*rebuilding it/);
  const again = run(dir);
  t.is(again.summary.cached, 5);
  t.deepEqual(again.warnings, []);
});

test('a new cache has 64 KB pages (an entry each filled a 4 KB page); a cache made with 4 KB pages still serves', (t) => {
  const dir = layer();
  const path = join(dir, 'cache', CACHE_FILE);
  run(dir);
  const pageSize = (): unknown => {
    const db = new Database(path, { readonly: true });
    try {
      return db.pragma('page_size', { simple: true });
    } finally {
      db.close();
    }
  };
  t.is(pageSize(), 65536);
  rmSync(join(dir, 'cache'), { recursive: true });
  mkdirSync(join(dir, 'cache'));
  const old = new Database(path);
  old.pragma('page_size = 4096');
  old.pragma('journal_mode = WAL');
  old.close();
  t.is(run(dir).summary.parsed, 5);
  t.is(pageSize(), 4096);
  const warm = run(dir);
  t.is(warm.summary.cached, 5);
  t.deepEqual(warm.warnings, []);
});

test('a database with another schema is replaced without a warning', (t) => {
  const dir = layer();
  const path = join(dir, 'cache', CACHE_FILE);
  run(dir);
  const db = new Database(path);
  db.exec("UPDATE meta SET value = 'old' WHERE key = 'schema'");
  db.close();
  rmSync(join(dir, 'cache', QUICK_FILE));
  const r = run(dir);
  t.is(r.summary.parsed, 5);
  t.deepEqual(r.warnings, []);
  t.is(run(dir).summary.cached, 5);
});

test('the snapshot beside the database answers a warm run without it; infos it cannot give are parsed again', (t) => {
  const dir = layer();
  run(dir);
  t.true(existsSync(join(dir, 'cache', QUICK_FILE)));
  // A change to an input is seen by the snapshot beside the database too.
  writeFileSync(join(dir, 'meta/recipes-x/a/a.inc'), 'DEPENDS += "inc-2"\n');
  const changed = run(dir);
  t.is(changed.summary.parsed, 1);
  t.true(dependsOf(changed, 'a')?.includes('inc-2'));
  writeFileSync(join(dir, 'cache', CACHE_FILE), 'this is not a database'.repeat(500));
  const warm = run(dir);
  t.is(warm.summary.cached, 5);
  t.deepEqual(warm.warnings, [], 'the database is not opened for the counts');
  t.deepEqual(asStored(warm.summary.recipes), asStored(changed.summary.recipes), 'the infos, parsed again when the database has none');
  t.regex(warm.warnings[0] ?? '', /unreadable .*rebuilding it/);
});

test('without CACHE nothing is cached and nothing is written', (t) => {
  const dir = layer({ 'conf/bitbake.conf': PRELUDE.replace('CACHE = "${TOPDIR}/cache"\n', '') + PN_CONF });
  t.is(run(dir).summary.parsed, 5);
  t.is(run(dir).summary.parsed, 5);
  t.false(existsSync(join(dir, 'cache')));
});

test('recipes that fail to parse are reported each time and not cached', (t) => {
  const dir = layer({ 'meta/recipes-x/z/z_1.0.bb': 'Z = "unterminated\n' });
  for (const r of [run(dir), run(dir)]) {
    t.is(r.summary.errors.length, 1);
    t.is(r.summary.errors[0]?.where?.file, join(dir, 'meta/recipes-x/z/z_1.0.bb'));
  }
  t.is(run(dir).summary.cached, 5);
});

test('tsbake -p reports cached and parsed counts', (t) => {
  const dir = layer();
  const line = (n: number, c: number): string => `Parsing of 5 .bb files complete (${c} cached, ${n} parsed). 5 targets, 0 skipped, 0 masked, 0 errors.\n`;
  const cold = tsbake(['-p'], dir);
  t.is(cold.stdout, line(5, 0), cold.stderr);
  t.is(cold.status, 0);
  t.is(tsbake(['-p'], dir).stdout, line(0, 5));
  writeFileSync(join(dir, 'classes/foo.bbclass'), 'FOO = "changed"\n');
  t.is(tsbake(['-p'], dir).stdout, line(2, 3));
});

test('file stamps: an unchanged file is not read again; a same-size edit is still seen', (t) => {
  const dir = makeLayer({ 'f.txt': 'one' });
  const f = join(dir, 'f.txt');
  const later = Date.now() + 60_000; // as if this run came a minute after the write
  const first = new FileHashes(new Map(), later);
  const h1 = first.hash(f);
  const stamp = first.fresh.get(f);
  t.truthy(stamp);
  if (!stamp) return;
  // A matching stat is trusted: a stamp with a made-up hash proves the file is not read.
  t.is(new FileHashes(new Map([[f, { ...stamp, hash: 'from-the-stamp' }]]), later).hash(f), 'from-the-stamp');
  // Same size, mtime put back: ctime still moves, so the content is hashed again.
  const { atime, mtime } = statSync(f);
  writeFileSync(f, 'two');
  utimesSync(f, atime, mtime);
  const h2 = new FileHashes(new Map([[f, stamp]]), later).hash(f);
  t.not(h2, h1);
  t.is(readFileSync(f, 'utf8'), 'two');
});

test('file stamps: recently changed files get none (their timestamps may not move again)', (t) => {
  const dir = makeLayer({ 'f.txt': 'one' });
  // "Now" is the moment of the write, however long the machine took to get here.
  const hashes = new FileHashes(new Map(), statSync(join(dir, 'f.txt')).ctimeMs);
  hashes.hash(join(dir, 'f.txt'));
  t.is(hashes.fresh.size, 0);
  t.is(hashes.hash(join(dir, 'missing.txt')), MISSING);
});

test('file stamps: a file the parse read is hashed from the bytes it parsed; a stamp that says the same is not saved again', (t) => {
  const dir = makeLayer({ 'f.txt': 'one' });
  const f = join(dir, 'f.txt');
  const later = Date.now() + 60_000;
  const source = new DiskSource();
  t.is(source.text(f), 'one');
  const read = source.readStamp(f);
  t.truthy(read);
  if (!read) return;
  t.is(read.hash, new FileHashes(new Map(), later).hash(f));
  t.is(read.size, 3);
  // A seeded hash is used as it is: a made-up one proves the file is not read again.
  const seeded = new FileHashes(new Map(), later);
  seeded.seed(f, { ...read, hash: 'from-the-parse' });
  t.is(seeded.hash(f), 'from-the-parse');
  t.is(seeded.fresh.get(f)?.hash, 'from-the-parse');
  const known = new FileHashes(new Map([[f, read]]), later);
  known.seed(f, read);
  t.is(known.fresh.size, 0);
  t.true(known.used(f));
});

test('a run the snapshot covers reads no entry until infos are needed; an entry replaced since is parsed again', (t) => {
  const dir = layer();
  const cold = run(dir);
  // Another writer replaced a's entry after the snapshot was saved.
  const db = new Database(join(dir, 'cache', CACHE_FILE));
  db.prepare("UPDATE recipe SET infos = '[]', digest = 'elsewhere' WHERE file LIKE '%/a_1.0.bb'").run();
  db.close();
  const r = run(dir);
  t.is(r.summary.cached, 5);
  t.is(r.summary.targets, 5);
  t.deepEqual(r.parsed, [], 'counts come from the snapshot');
  t.deepEqual(asStored(r.summary.recipes), asStored(cold.summary.recipes));
  t.deepEqual(r.parsed, ['a_1.0.bb'], 'only the replaced entry is parsed, once its infos are needed');
  t.is(run(dir).summary.identity, r.summary.identity);
});

test('missing paths are vouched for by their nearest existing directory, and a file created below it is noticed', (t) => {
  const dir = makeLayer({ 'meta/recipes-x/a/files/present.patch': '' });
  const files = join(dir, 'meta/recipes-x/a/files');
  const inputs = new Map([
    [join(files, 'x.patch'), MISSING],
    [join(files, 'qemux86-64/x.patch'), MISSING],
    [join(files, 'present.patch'), 'some-hash'],
  ]);
  // `since` after the directories were made: their stat may vouch for what was missing then.
  const grouped = groupAbsent(inputs, Date.now() + 3_600_000);
  t.deepEqual(grouped.inputs, [[join(files, 'present.patch'), 'some-hash']]);
  t.deepEqual(grouped.absent.map(([d, , paths]) => [d, paths]), [[files, [join(files, 'x.patch'), join(files, 'qemux86-64/x.patch')]]]);
  t.true(stillAbsent(grouped.absent, new FileHashes()));
  mkdirSync(join(files, 'qemux86-64'));
  writeFileSync(join(files, 'qemux86-64/x.patch'), '');
  t.false(stillAbsent(grouped.absent, new FileHashes()), 'a path that appeared below the directory');
  // A directory changed after the paths were found missing vouches for nothing.
  t.deepEqual(groupAbsent(inputs, Date.now()).absent, []);
});
