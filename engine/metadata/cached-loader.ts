/**
 * The RecipeLoader commands use: recipes whose cache entry is still valid come from the parse
 * cache; the rest are parsed (on worker threads when there are many) and written back in one
 * transaction. Without CACHE set, every recipe is parsed and nothing is saved.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { TsbakeError } from '../core/errors.js';
import { hashParts } from '../core/hash.js';
import { trimAfterParse } from '../core/heap-trim.js';
import { timed } from '../core/timings.js';
import { PACKAGE_ROOT } from '../core/package-root.js';
import { appendIndex } from './collections.js';
import { approvedPairs, type Environment } from './config.js';
import { asText } from './datastore.js';
import { allDepends } from './evaluate.js';
import { parseToInfo, type LoadedRecipes, type RecipeLoader } from './parse-all.js';
import { configHash, FileHashes, groupAbsent, ParseCache, readQuickSnapshot, stillAbsent, type FileStamp, type CacheEntry, type EntryDigest, type Snapshot, type Warn } from './parse-cache.js';
import { addStats, NO_PYTHON } from './python-bridge.js';
import { parseInPool, parseThreads, workersPayOff, type ParseOutcome, type SessionOpener } from './parse-pool.js';
import { countsOf, type RecipeCounts, type RecipeInfo } from './recipe-info.js';
import type { MetadataSession } from './session.js';

/**
 * Up to this many uncached recipes are parsed on the main thread. A worker first spends
 * ~60 ms of CPU loading code and parsing the configuration, and ~150 ms more starting its own
 * python3 when recipes need one. Measured on 2 CPUs (layers from gen-layer.py --python):
 * 200 recipes 0.36 s alone / 0.38 s with a worker, 400 recipes 0.63 s / 0.59 s, 1,000
 * recipes 1.33 s / 1.00 s.
 */
export const POOL_THRESHOLD = 300;
export const CACHE_FILE = 'tsbake-parse.sqlite';

export interface CachedLoaderOptions {
  /** The environment the session was opened with (its approved part keys the cache). */
  readonly env: Environment;
  /** Parallel parsing; absent: always on the main thread. */
  readonly pool?: {
    readonly opener: SessionOpener;
    /** Parse in parallel only above this many uncached recipes (default POOL_THRESHOLD). */
    readonly threshold?: number;
    /** Default BB_NUMBER_PARSE_THREADS, else the CPU count. */
    readonly threads?: number;
  };
  readonly onWarning?: Warn;
}

export function cachedLoader(session: MetadataSession, opts: CachedLoaderOptions): RecipeLoader {
  return (files) => {
    // Every missing path below was found missing after this: a directory changed since may hold it.
    const started = Date.now();
    const warn = opts.onWarning ?? (() => {});
    const cacheDir = asText(session.config.store.getVar('CACHE'));
    const cachePath = cacheDir ? join(cacheDir, CACHE_FILE) : undefined;
    const appendsOf = appendIndex(session.files().appends);
    const appends = hashParts(files.map((f) => appendsOf(f).join('\n')));
    const configFiles = allDepends(session.config.store);
    const keyed = (stamps: ReadonlyMap<string, FileStamp> | undefined): { hashes: FileHashes; config: string } => {
      const hashes = new FileHashes(stamps);
      seedReads(hashes, session, configFiles);
      return { hashes, config: configHash({ version: tsbakeVersion(), env: approvedPairs(opts.env), files: configFiles }, hashes) };
    };
    const identity = (config: string, digests: ReadonlyMap<string, EntryDigest>): string => hashParts([config, ...files.flatMap((f) => [f, digests.get(f)?.digest ?? ''])]);
    const trusted = (config: string, snap: Snapshot): LoadedRecipes => {
      const digests = new Map(files.map((f, i) => [f, snap.entries[i] as EntryDigest]));
      return { counts: digests, infos: lazyInfos(session, cachePath ?? '', config, digests, warn), errors: [], cached: files.length, identity: identity(config, digests) };
    };

    // The snapshot beside the database: when it holds and no stamp needs saving, sqlite is not even loaded.
    const quick = cachePath ? readQuickSnapshot(cachePath) : undefined;
    if (quick) {
      const { hashes, config } = keyed(new Map(quick.stamps));
      if (config === quick.config && snapshotHolds(quick.snapshot, files, appends, hashes) && hashes.fresh.size === 0) return trusted(config, quick.snapshot);
    }

    const cache = cachePath ? timed('cache-open', () => ParseCache.open(cachePath, warn)) : undefined;
    try {
      const { hashes, config } = timed('cache-open', () => keyed(cache?.stamps()));
      cache?.useConfig(config);

      const stored = cache?.snapshot();
      if (cache && stored && snapshotHolds(stored, files, appends, hashes)) {
        cache.write([], hashes, () => stored, stored);
        return trusted(config, stored);
      }

      const digests = new Map<string, EntryDigest>();
      const decoders = new Map<string, () => RecipeInfo[] | undefined>();
      const inputs = new Map<string, string>();
      const misses: string[] = [];
      timed('cache-lookup', () => {
        for (const f of files) {
          const hit = cache?.lookup(f, appendsOf(f), hashes);
          if (!hit) {
            misses.push(f);
            continue;
          }
          digests.set(f, hit.entry);
          decoders.set(f, hit.infos);
          for (const [path, hash] of hit.depends) inputs.set(path, hash);
        }
      });

      const outcomes = parseFiles(session, misses, opts, warn);
      if (misses.length > 0) trimAfterParse(); // the parse's garbage goes before the cache write adds its own
      const inConfig = new Set(configFiles);
      const errors: TsbakeError[] = [];
      const entries: CacheEntry[] = [];
      const parsed = new Map<string, RecipeInfo[]>();
      let python = NO_PYTHON;
      // A BB_DONT_CACHE recipe is parsed on every run, so neither a snapshot nor a no-op replay
      // (keyed by the identity) may stand for it.
      let uncached = false;
      timed('cache-hash', () => misses.forEach((file, i) => {
        const o = outcomes[i];
        if (!o) return;
        if (!o.ok) {
          errors.push(o.error);
          return;
        }
        parsed.set(file, o.parsed.infos);
        python = addStats(python, o.parsed.python);
        if (o.parsed.noCache) {
          uncached = true;
          return;
        }
        for (const [path, read] of o.parsed.reads) hashes.seed(path, read);
        // The configuration's files are in the configuration hash already.
        const depends = o.parsed.depends.filter((d) => !inConfig.has(d)).map((d) => [d, hashes.hash(d)] as const);
        for (const [path, hash] of depends) inputs.set(path, hash);
        entries.push({ file, appends: appendsOf(file), depends, infos: o.parsed.infos });
      }));
      // A snapshot only when every recipe has a valid entry: the next run may then trust them all at once.
      const fresh = timed('cache-write', () => cache?.write(entries, hashes, (d) => (errors.length || uncached ? undefined : { files, appends, ...groupAbsent(inputs, started), entries: files.map((f) => d.get(f) ?? digests.get(f) ?? { ...NO_COUNTS, digest: '' }) })));
      for (const [file, infos] of parsed) digests.set(file, fresh?.get(file) ?? { ...countsOf(infos), digest: '' });
      const infos = (): Map<string, RecipeInfo[]> => {
        const out = new Map(parsed);
        for (const [file, decode] of decoders) {
          const decoded = decode();
          if (decoded) out.set(file, decoded);
        }
        return out;
      };
      return { counts: digests, infos, errors, cached: files.length - misses.length, python, ...(cache && !uncached ? { identity: identity(config, digests) } : {}) };
    } finally {
      timed('cache-close', () => cache?.close()); // a new database is checkpointed and synced here
    }
  };
}

const NO_COUNTS: RecipeCounts = { targets: 0, skipped: 0 };

/** Whether a snapshot still describes the cache: the same recipe files and bbappends, and every input hashing the same. */
function snapshotHolds(snap: Snapshot, files: readonly string[], appends: string, hashes: FileHashes): boolean {
  if (snap.appends !== appends || snap.files.length !== files.length || snap.files.some((f, i) => f !== files[i])) return false;
  return snap.inputs.every(([path, hash]) => hashes.hash(path) === hash) && stillAbsent(snap.absent, hashes);
}

/**
 * The infos of a snapshot's entries, read when a command first needs them. An entry replaced
 * since (its digest differs), or gone, is parsed again.
 */
function lazyInfos(session: MetadataSession, path: string, config: string, digests: ReadonlyMap<string, EntryDigest>, warn: Warn): () => Map<string, RecipeInfo[]> {
  let infos: Map<string, RecipeInfo[]> | undefined;
  return () => {
    if (!infos) {
      const cache = ParseCache.open(path, warn);
      try {
        cache?.useConfig(config);
        infos = cache?.infos(new Map([...digests].map(([f, d]) => [f, d.digest]))) ?? new Map();
      } finally {
        cache?.close();
      }
      for (const file of digests.keys()) if (!infos.has(file)) infos.set(file, parseToInfo(session, file).infos);
    }
    return infos;
  };
}

function parseFiles(session: MetadataSession, files: readonly string[], opts: CachedLoaderOptions, warn: Warn): ParseOutcome[] {
  const pool = opts.pool;
  if (pool && files.length > (pool.threshold ?? POOL_THRESHOLD)) {
    const setting = asText(session.config.store.getVar('BB_NUMBER_PARSE_THREADS')) || undefined;
    const threads = pool.threads ?? parseThreads(setting);
    // Threads asked for (BB_NUMBER_PARSE_THREADS or the caller) start at once; by default only when they pay off.
    const asked = pool.threads !== undefined || setting !== undefined;
    const cpus = availableParallelism();
    if (threads > 1) return parseInPool(session, files, { opener: pool.opener, threads, onWarning: warn, ...(asked ? {} : { startWhen: (p) => workersPayOff(p, cpus) }) });
  }
  return files.map((f): ParseOutcome => {
    try {
      return { ok: true, parsed: parseToInfo(session, f) };
    } catch (e) {
      if (!(e instanceof TsbakeError)) throw e;
      return { ok: false, error: e };
    }
  });
}

/** The files this thread's parse read are hashed already (from the bytes it parsed). */
function seedReads(hashes: FileHashes, session: MetadataSession, files: readonly string[]): void {
  for (const f of files) {
    const read = session.source.readStamp(f);
    if (read) hashes.seed(f, read);
  }
}

let version: string | undefined;
function tsbakeVersion(): string {
  if (version === undefined) {
    const pkg: unknown = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8'));
    const v = typeof pkg === 'object' && pkg !== null ? (pkg as { version?: unknown }).version : undefined;
    version = typeof v === 'string' ? v : 'unknown';
  }
  return version;
}
