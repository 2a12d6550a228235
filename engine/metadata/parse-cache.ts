/**
 * The parse cache: RecipeInfo per recipe file, in sqlite at `${CACHE}/tsbake-parse.sqlite`.
 * This module is its only writer.
 *
 * An entry is keyed by the configuration hash and the recipe path, and it stores every file
 * the recipe's parse read or probed with that file's content hash (or MISSING). It is valid
 * while each of those files still hashes the same and the recipe's bbappends are the same
 * list, so an edited class, .inc or .bbappend, or a newly created file that was once probed
 * and missing, invalidates exactly the recipes that looked at it. BitBake keys on mtimes;
 * content hashes also survive a `git checkout` that rewrites unchanged files.
 *
 * A run that found every recipe valid also saves a snapshot: the recipe files, their bbappends,
 * every file any of them looked at with its hash, and each entry's counts and digest. While
 * the same files hash the same, the next run trusts every entry after one stat per file,
 * without reading a single entry; the infos themselves are read only when a command needs them.
 * The snapshot is also kept beside the database (`tsbake-parse.snap`, with the stat stamps it
 * needs), so that such a run does not even load sqlite.
 *
 * A corrupt or unreadable database is a warning and a rebuild, never a failed parse.
 */
import type Database from 'better-sqlite3';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { deserialize, serialize } from 'node:v8';
import { writeFileAtomic } from '../core/fs.js';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { hashBytes, hashParts } from '../core/hash.js';
import { countsOf, type RecipeCounts, type RecipeInfo } from './recipe-info.js';

/** Bump when RecipeInfo, the stored layout, or what a parse produces changes meaning. */
export const SCHEMA_VERSION = '8';
/** The hash recorded for a path that did not exist (never a hex string). */
export const MISSING = 'missing';
/** The hash recorded for a path that exists but is not a regular file. */
export const NOT_A_FILE = 'not-a-file';
/** A file that could not be read: matches nothing, so entries that list it are reparsed. */
const UNREADABLE = 'unreadable';
/**
 * A file changed less than this long ago gets no stat stamp: a second write within the
 * filesystem's timestamp granularity (a jiffy; 2 s on FAT) would leave mtime, ctime and size
 * unchanged, and the stamp would then vouch for old content. Such files are re-read next run.
 */
const RACY_MS = 2000;

/** What a stat said when a file was hashed; a matching stat means the content is unchanged. */
export interface FileStamp {
  readonly mtime: number;
  readonly ctime: number;
  readonly size: number;
  readonly ino: number;
  readonly hash: string;
}

/**
 * Content hashes for one run: each distinct path is hashed at most once, and a file whose
 * stat matches its stamp from an earlier run is not read at all.
 */
export class FileHashes {
  readonly #known = new Map<string, string>();
  readonly #stamps: ReadonlyMap<string, FileStamp>;
  readonly #fresh = new Map<string, FileStamp>();
  readonly #now: number;

  constructor(stamps: ReadonlyMap<string, FileStamp> = new Map(), now: number = Date.now()) {
    this.#stamps = stamps;
    this.#now = now;
  }

  hash(path: string): string {
    let h = this.#known.get(path);
    if (h === undefined) {
      h = this.#compute(path);
      this.#known.set(path, h);
    }
    return h;
  }

  /**
   * The hash of a file the parse read, from the bytes it parsed and the stat taken as it
   * opened them: `hash(path)` then needs no second read. A stamp is kept under the same rule
   * as a computed one (not for a file changed too recently).
   */
  seed(path: string, read: FileStamp): void {
    if (this.#known.has(path)) return;
    this.#known.set(path, read.hash);
    const old = this.#stamps.get(path);
    // Nothing new to save when the stamp from an earlier run says the same.
    if (old && old.mtime === read.mtime && old.ctime === read.ctime && old.size === read.size && old.ino === read.ino && old.hash === read.hash) return;
    if (this.#now - Math.max(read.mtime, read.ctime) > RACY_MS) this.#fresh.set(path, read);
  }

  /** Stamps made this run, to be saved with the next write. */
  get fresh(): ReadonlyMap<string, FileStamp> {
    return this.#fresh;
  }

  /** Whether `path` was hashed this run (stamps of paths nobody asked about are stale). */
  used(path: string): boolean {
    return this.#known.has(path);
  }

  #compute(path: string): string {
    let st;
    try {
      st = statSync(path, { throwIfNoEntry: false });
    } catch {
      return UNREADABLE; // EACCES, ENOTDIR on a parent that is a file, ...
    }
    if (!st) return MISSING;
    if (!st.isFile()) return NOT_A_FILE;
    const old = this.#stamps.get(path);
    if (old && old.mtime === st.mtimeMs && old.ctime === st.ctimeMs && old.size === st.size && old.ino === st.ino) return old.hash;
    let hash: string;
    try {
      hash = hashBytes(readFileSync(path));
    } catch {
      return UNREADABLE;
    }
    if (this.#now - Math.max(st.mtimeMs, st.ctimeMs) > RACY_MS) {
      this.#fresh.set(path, { mtime: st.mtimeMs, ctime: st.ctimeMs, size: st.size, ino: st.ino, hash });
    }
    return hash;
  }
}

export interface ConfigInputs {
  /** tsbake's version: a new release may parse the same files differently. */
  readonly version: string;
  /** The approved environment, [name, value]; an unset variable is absent. */
  readonly env: ReadonlyArray<readonly [string, string]>;
  /** Every file the configuration parse read or probed, in order. */
  readonly files: readonly string[];
}

/** The configuration hash: schema, version, environment and each configuration file's content. */
export function configHash(inputs: ConfigInputs, hashes: FileHashes): string {
  const env = [...inputs.env].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const parts = ['tsbake-parse-cache', SCHEMA_VERSION, inputs.version, String(env.length)];
  for (const [name, value] of env) parts.push(name, value);
  parts.push(String(inputs.files.length));
  for (const f of inputs.files) parts.push(f, hashes.hash(f));
  return hashParts(parts);
}

/** One recipe file's cached parse. */
export interface CacheEntry {
  readonly file: string;
  readonly appends: readonly string[];
  /** [path, content hash or MISSING] of every file the recipe read or probed, configuration excluded. */
  readonly depends: ReadonlyArray<readonly [string, string]>;
  readonly infos: readonly RecipeInfo[];
}

/** What a command may know of a recipe file without decoding its infos. */
export interface EntryDigest extends RecipeCounts {
  /** The hash of its stored infos: equal digests, equal infos. */
  readonly digest: string;
}

/** The state of a configuration's cache in which every recipe was valid (see the module comment). */
export interface Snapshot {
  readonly files: readonly string[];
  /** hashParts of each file's bbappends. */
  readonly appends: string;
  /** Every [path, hash] the entries depend on, but the missing paths `absent` vouches for. */
  readonly inputs: ReadonlyArray<readonly [string, string]>;
  /**
   * Missing paths (most inputs: FILESPATH searches) by their nearest existing ancestor, with
   * that directory's stat: while it is unchanged, no entry was added to it or removed, so
   * every path below it is still missing. One stat stands for dozens of paths.
   */
  readonly absent: ReadonlyArray<readonly [dir: string, identity: string, paths: readonly string[]]>;
  /** Per file, in `files` order. */
  readonly entries: readonly EntryDigest[];
}

/** The snapshot as kept beside the database: it holds for configuration hash `config`, with these stat stamps. */
export interface QuickSnapshot {
  readonly schema: string;
  readonly config: string;
  readonly snapshot: Snapshot;
  readonly stamps: ReadonlyArray<readonly [string, FileStamp]>;
}

/** Where the database at `dbPath` keeps its quick snapshot. */
const quickPath = (dbPath: string): string => dbPath.replace(/\.sqlite$/, '') + '.snap';

function dropQuick(dbPath: string): void {
  try {
    rmSync(quickPath(dbPath), { force: true });
  } catch {
    // a read-only cache directory: the stale file is checked like any snapshot, and fails
  }
}

/** The quick snapshot of the database at `dbPath`, if one was saved (a damaged one is none). */
export function readQuickSnapshot(dbPath: string): QuickSnapshot | undefined {
  try {
    const q = deserialize(readFileSync(quickPath(dbPath))) as Partial<QuickSnapshot> | null;
    return q?.schema === SCHEMA_VERSION && typeof q.config === 'string' && isSnapshot(q.snapshot) && Array.isArray(q.stamps) ? (q as QuickSnapshot) : undefined;
  } catch {
    return undefined;
  }
}

interface EntryRow {
  readonly file: string;
  readonly appends: string;
  readonly depends: string;
  readonly infos: string;
  readonly digest: string;
}

interface StampRow extends FileStamp {
  readonly path: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS recipe (
  config TEXT NOT NULL, file TEXT NOT NULL, appends TEXT NOT NULL, depends TEXT NOT NULL, infos TEXT NOT NULL,
  digest TEXT NOT NULL, PRIMARY KEY (config, file));
CREATE TABLE IF NOT EXISTS stamp (
  path TEXT PRIMARY KEY, mtime REAL NOT NULL, ctime REAL NOT NULL, size INTEGER NOT NULL, ino INTEGER NOT NULL,
  hash TEXT NOT NULL) WITHOUT ROWID;
`;

export type Warn = (message: string) => void;

export class ParseCache {
  readonly path: string;
  readonly #db: Database.Database;
  readonly #warn: Warn;
  #rows: Map<string, EntryRow> | undefined;
  #stamps = new Map<string, FileStamp>();
  #config = '';

  private constructor(path: string, db: Database.Database, warn: Warn) {
    this.path = path;
    this.#db = db;
    this.#warn = warn;
  }

  /**
   * Opens (creating it if needed) the cache at `path`. A database that cannot be read or has
   * another schema is deleted and made again; undefined if even that fails (parse uncached).
   */
  static open(path: string, warn: Warn): ParseCache | undefined {
    try {
      return new ParseCache(path, connect(path), warn);
    } catch (e) {
      if (isBusy(e)) {
        // Another tsbake holds it: its database is fine, and deleting it would break that run.
        warn(`parse cache ${path} is busy (${describe(e)}); parsing without it`);
        return undefined;
      }
      warn(`parse cache ${path} is unreadable (${describe(e)}); rebuilding it`);
    }
    try {
      for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true });
      dropQuick(path);
      return new ParseCache(path, connect(path), warn);
    } catch (e) {
      warn(`parse cache ${path} cannot be created (${describe(e)}); parsing without a cache`);
      return undefined;
    }
  }

  /** Every stat stamp saved by earlier runs (stamps do not depend on the configuration). */
  stamps(): ReadonlyMap<string, FileStamp> {
    this.#stamps = new Map();
    try {
      for (const r of this.#db.prepare('SELECT path, mtime, ctime, size, ino, hash FROM stamp').all() as StampRow[]) this.#stamps.set(r.path, r);
    } catch (e) {
      this.#warn(`parse cache ${this.path}: cannot read file stamps (${describe(e)})`);
    }
    return this.#stamps;
  }

  /**
   * Selects the entries of configuration `config`. The first run under a new configuration
   * drops every other configuration's entries: they would never match again.
   */
  useConfig(config: string): void {
    this.#config = config;
    this.#rows = undefined;
    try {
      const meta = this.#db.prepare("SELECT value FROM meta WHERE key = 'config'").get() as { value: string } | undefined;
      if (meta?.value !== config) {
        this.#db.transaction(() => {
          this.#db.prepare('DELETE FROM recipe WHERE config <> ?').run(config);
          this.#db.prepare("DELETE FROM meta WHERE key = 'snapshot'").run();
          this.#db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('config', ?)").run(config);
        })();
      }
    } catch (e) {
      this.#warn(`parse cache ${this.path}: cannot read entries (${describe(e)}); parsing every recipe`);
    }
  }

  /** The snapshot of the selected configuration, if a run saved one and nothing was written since. */
  snapshot(): Snapshot | undefined {
    try {
      const row = this.#db.prepare("SELECT value FROM meta WHERE key = 'snapshot'").get() as { value: string } | undefined;
      const snap: unknown = row ? JSON.parse(row.value) : undefined;
      return isSnapshot(snap) ? snap : undefined;
    } catch {
      return undefined; // unreadable: check entry by entry
    }
  }

  /** The cached entry of `file` if every file its parse looked at is unchanged, else undefined. */
  lookup(file: string, appends: readonly string[], hashes: FileHashes): { depends: Array<[string, string]>; entry: EntryDigest; infos: () => RecipeInfo[] | undefined } | undefined {
    const row = this.#entryRows().get(file);
    if (!row || row.appends !== appends.join('\n')) return undefined;
    try {
      const depends: unknown = JSON.parse(row.depends);
      if (!Array.isArray(depends)) return undefined;
      for (const d of depends as unknown[]) {
        if (!Array.isArray(d) || typeof d[0] !== 'string' || hashes.hash(d[0]) !== d[1]) return undefined;
      }
      const infos = decodeInfos(row.infos);
      return infos ? { depends: depends as Array<[string, string]>, entry: digestOf(infos, row.digest), infos: () => infos } : undefined;
    } catch {
      return undefined; // a damaged row is a miss; the reparse replaces it
    }
  }

  /** The stored infos of `files` whose digest is still the one given (a later run may have replaced an entry). */
  infos(files: ReadonlyMap<string, string>): Map<string, RecipeInfo[]> {
    const out = new Map<string, RecipeInfo[]>();
    try {
      const get = this.#db.prepare('SELECT infos FROM recipe WHERE config = ? AND file = ? AND digest = ?').pluck();
      for (const [file, digest] of files) {
        const text = get.get(this.#config, file, digest);
        const infos = typeof text === 'string' ? decodeInfos(text) : undefined;
        if (infos) out.set(file, infos);
      }
    } catch (e) {
      this.#warn(`parse cache ${this.path}: cannot read entries (${describe(e)}); parsing the recipes again`);
    }
    return out;
  }

  #entryRows(): Map<string, EntryRow> {
    if (!this.#rows) {
      this.#rows = new Map();
      try {
        const rows = this.#db.prepare('SELECT file, appends, depends, infos, digest FROM recipe WHERE config = ?').all(this.#config) as EntryRow[];
        for (const r of rows) this.#rows.set(r.file, r);
      } catch (e) {
        this.#warn(`parse cache ${this.path}: cannot read entries (${describe(e)}); parsing every recipe`);
      }
    }
    return this.#rows;
  }

  /**
   * Saves new entries, this run's new stamps and the snapshot (undefined: none holds now) in one
   * transaction, and drops the stamps of files no recipe looked at this run. Returns each new
   * entry's digest. A run that only read the cache, and whose snapshot is stored, writes nothing.
   */
  write(entries: readonly CacheEntry[], hashes: FileHashes, snapshot: (digests: ReadonlyMap<string, EntryDigest>) => Snapshot | undefined, stored?: Snapshot): Map<string, EntryDigest> {
    const digests = new Map<string, EntryDigest>();
    const texts = entries.map((e) => {
      const text = JSON.stringify(e.infos);
      digests.set(e.file, digestOf(e.infos, hashBytes(text)));
      return text;
    });
    const snap = snapshot(digests);
    if (entries.length === 0 && hashes.fresh.size === 0 && snap === stored) {
      if (snap && !readQuickSnapshot(this.path)) this.#writeQuick(snap, hashes);
      return digests;
    }
    try {
      const putEntry = this.#db.prepare('INSERT OR REPLACE INTO recipe (config, file, appends, depends, infos, digest) VALUES (?, ?, ?, ?, ?, ?)');
      const putStamp = this.#db.prepare('INSERT OR REPLACE INTO stamp (path, mtime, ctime, size, ino, hash) VALUES (?, ?, ?, ?, ?, ?)');
      const dropStamp = this.#db.prepare('DELETE FROM stamp WHERE path = ?');
      this.#db.transaction(() => {
        entries.forEach((e, i) => putEntry.run(this.#config, e.file, e.appends.join('\n'), JSON.stringify(e.depends), texts[i], digests.get(e.file)?.digest));
        for (const [path, s] of hashes.fresh) putStamp.run(path, s.mtime, s.ctime, s.size, s.ino, s.hash);
        for (const path of this.#stamps.keys()) if (!hashes.used(path)) dropStamp.run(path);
        if (snap) this.#db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('snapshot', ?)").run(JSON.stringify(snap));
        else this.#db.prepare("DELETE FROM meta WHERE key = 'snapshot'").run();
      })();
    } catch (e) {
      this.#warn(`parse cache ${this.path}: cannot save parse results (${describe(e)})`);
      dropQuick(this.path);
      return digests;
    }
    if (snap) this.#writeQuick(snap, hashes);
    else dropQuick(this.path);
    return digests;
  }

  /** The snapshot beside the database, with the stamps of every file this run hashed. */
  #writeQuick(snapshot: Snapshot, hashes: FileHashes): void {
    const stamps: Array<readonly [string, FileStamp]> = [];
    for (const [path, stamp] of this.#stamps) if (hashes.used(path) && !hashes.fresh.has(path)) stamps.push([path, stamp]);
    stamps.push(...hashes.fresh);
    try {
      writeFileAtomic(quickPath(this.path), serialize({ schema: SCHEMA_VERSION, config: this.#config, snapshot, stamps } satisfies QuickSnapshot));
    } catch {
      dropQuick(this.path); // the database still has it
    }
  }

  close(): void {
    try {
      this.#db.close();
    } catch {
      // closing a broken handle: nothing left to save
    }
  }
}

/**
 * better-sqlite3, loaded with require and given its addon's path. Through `import`, Node
 * would first scan the CommonJS source for named exports, and the `bindings` package would
 * probe a dozen directories for the addon: together a twentieth of a warm `tsbake -p`.
 */
const require = createRequire(import.meta.url);
let sqlite: { readonly open: typeof Database; readonly addon: string | undefined } | undefined;
function openDatabase(path: string): Database.Database {
  if (!sqlite) {
    let addon: string | undefined;
    try {
      addon = require.resolve('better-sqlite3/build/Release/better_sqlite3.node');
    } catch {
      addon = undefined; // a Debug or relocated build: let `bindings` find it
    }
    sqlite = { open: require('better-sqlite3') as typeof Database, addon };
  }
  return new sqlite.open(path, { timeout: 10_000, ...(sqlite.addon ? { nativeBinding: sqlite.addon } : {}) });
}

/** Opens the database, checks it is one, and brings the schema to SCHEMA_VERSION. */
function connect(path: string): Database.Database {
  mkdirSync(dirname(path), { recursive: true });
  const db = openDatabase(path);
  try {
    // Before the first write, which fixes them for a new database: an entry (~2.5 KB of JSON)
    // fills a 4 KB page of its own, so a cold parse's write was ~1,800 page writes and B-tree
    // splits; 64 KB pages hold ~25 entries (a third of the CPU, and half the wall time).
    db.pragma('page_size = 65536');
    // A cache can lose its last transaction on power loss without harm; NORMAL skips fsyncs.
    db.pragma('synchronous = NORMAL');
    db.pragma('journal_mode = WAL');
    const version = readSchemaVersion(db);
    if (version !== SCHEMA_VERSION) {
      db.exec('DROP TABLE IF EXISTS recipe; DROP TABLE IF EXISTS stamp; DROP TABLE IF EXISTS meta;');
      db.exec(SCHEMA);
      db.prepare("INSERT INTO meta (key, value) VALUES ('schema', ?)").run(SCHEMA_VERSION);
    }
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

function readSchemaVersion(db: Database.Database): string | undefined {
  const table = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
  if (table === undefined) return undefined;
  const row = db.prepare("SELECT value FROM meta WHERE key = 'schema'").get() as { value: string } | undefined;
  return row?.value;
}

function isInfoList(x: unknown): x is RecipeInfo[] {
  return Array.isArray(x) && x.every((i: unknown) => typeof i === 'object' && i !== null && typeof (i as { file?: unknown }).file === 'string');
}

function decodeInfos(text: string): RecipeInfo[] | undefined {
  try {
    const infos: unknown = JSON.parse(text);
    return isInfoList(infos) ? infos : undefined;
  } catch {
    return undefined;
  }
}

const digestOf = (infos: readonly RecipeInfo[], digest: string): EntryDigest => ({ ...countsOf(infos), digest });

function isSnapshot(x: unknown): x is Snapshot {
  if (typeof x !== 'object' || x === null) return false;
  const s = x as Partial<Record<keyof Snapshot, unknown>>;
  return Array.isArray(s.files) && typeof s.appends === 'string' && Array.isArray(s.inputs) && Array.isArray(s.absent) && Array.isArray(s.entries) && s.entries.length === s.files.length;
}

/** A directory's stat as the snapshot keeps it; undefined when it is not a directory. */
function dirIdentity(path: string): string | undefined {
  try {
    const st = statSync(path, { throwIfNoEntry: false });
    return st?.isDirectory() ? `${st.mtimeMs}:${st.ctimeMs}:${st.ino}` : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Splits a snapshot's inputs: missing paths go under their nearest existing ancestor
 * directory (see Snapshot.absent) unless it changed after `since` (less RACY_MS), when the
 * paths were found missing: its stat may then already count a file that appeared since.
 */
export function groupAbsent(inputs: ReadonlyMap<string, string>, since: number): Pick<Snapshot, 'inputs' | 'absent'> {
  const kept: Array<readonly [string, string]> = [];
  const groups = new Map<string, { identity: string; paths: string[] }>();
  const known = new Map<string, { identity: string; fresh: boolean } | null>();
  const ancestor = (dir: string): [string, { identity: string; fresh: boolean }] | undefined => {
    for (let d = dir; ; d = dirname(d)) {
      let k = known.get(d);
      if (k === undefined) {
        let st;
        try {
          st = statSync(d, { throwIfNoEntry: false });
        } catch {
          st = { mtimeMs: since, ctimeMs: since }; // unreadable: vouches for nothing
        }
        k = st ? { identity: dirIdentity(d) ?? '', fresh: since - Math.max(st.mtimeMs, st.ctimeMs) <= RACY_MS } : null;
        known.set(d, k);
      }
      if (k) return k.identity && !k.fresh ? [d, k] : undefined;
      if (d === dirname(d)) return undefined;
    }
  };
  for (const [path, hash] of inputs) {
    const found = hash === MISSING ? ancestor(dirname(path)) : undefined;
    if (!found) {
      kept.push([path, hash]);
      continue;
    }
    const [dir, k] = found;
    let g = groups.get(dir);
    if (!g) groups.set(dir, (g = { identity: k.identity, paths: [] }));
    g.paths.push(path);
  }
  return { inputs: kept, absent: [...groups].map(([dir, g]) => [dir, g.identity, g.paths] as const) };
}

/** Whether the paths of `absent` are still missing: their directory unchanged, else each one checked. */
export function stillAbsent(absent: Snapshot['absent'], hashes: FileHashes): boolean {
  return absent.every(([dir, identity, paths]) => dirIdentity(dir) === identity || paths.every((p) => hashes.hash(p) === MISSING));
}

function isBusy(e: unknown): boolean {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
