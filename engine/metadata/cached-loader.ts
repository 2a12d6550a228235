/**
 * The RecipeLoader commands use: recipes whose cache entry is still valid come from the parse
 * cache; the rest are parsed (on worker threads when there are many) and written back in one
 * transaction. Without CACHE set, every recipe is parsed and nothing is saved.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TsbakeError } from '../core/errors.js';
import { timed } from '../core/timings.js';
import { PACKAGE_ROOT } from '../core/package-root.js';
import { appendIndex } from './collections.js';
import { approvedEnvironment, type Environment } from './config.js';
import { asText } from './datastore.js';
import { allDepends } from './evaluate.js';
import { parseToInfo, type RecipeLoader } from './parse-all.js';
import { configHash, FileHashes, ParseCache, type CacheEntry, type Warn } from './parse-cache.js';
import { addStats, NO_PYTHON } from './python-bridge.js';
import { parseInPool, parseThreads, type ParseOutcome, type SessionOpener } from './parse-pool.js';
import type { RecipeInfo } from './recipe-info.js';
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
    const warn = opts.onWarning ?? (() => {});
    const cacheDir = asText(session.config.store.getVar('CACHE'));
    const cache = cacheDir ? ParseCache.open(join(cacheDir, CACHE_FILE), warn) : undefined;
    try {
      const hashes = new FileHashes(cache?.stamps());
      const configFiles = allDepends(session.config.store);
      seedReads(hashes, session, configFiles);
      cache?.useConfig(configHash({ version: tsbakeVersion(), env: approvedPairs(opts.env), files: configFiles }, hashes));

      const appendsOf = appendIndex(session.files().appends);
      const infos = new Map<string, RecipeInfo[]>();
      const misses: string[] = [];
      for (const f of files) {
        const hit = cache?.lookup(f, appendsOf(f), hashes);
        if (hit) infos.set(f, hit);
        else misses.push(f);
      }

      const outcomes = parseFiles(session, misses, opts, warn);
      const inConfig = new Set(configFiles);
      const errors: TsbakeError[] = [];
      const entries: CacheEntry[] = [];
      let python = NO_PYTHON;
      timed('cache-hash', () => misses.forEach((file, i) => {
        const o = outcomes[i];
        if (!o) return;
        if (!o.ok) {
          errors.push(o.error);
          return;
        }
        infos.set(file, o.parsed.infos);
        python = addStats(python, o.parsed.python);
        if (o.parsed.noCache) return;
        for (const [path, read] of o.parsed.reads) hashes.seed(path, read);
        // The configuration's files are in the configuration hash already.
        const depends = o.parsed.depends.filter((d) => !inConfig.has(d)).map((d) => [d, hashes.hash(d)] as const);
        entries.push({ file, appends: appendsOf(file), depends, infos: o.parsed.infos });
      }));
      timed('cache-write', () => cache?.write(entries, hashes));
      return { infos, errors, cached: files.length - misses.length, python };
    } finally {
      cache?.close();
    }
  };
}

function parseFiles(session: MetadataSession, files: readonly string[], opts: CachedLoaderOptions, warn: Warn): ParseOutcome[] {
  const pool = opts.pool;
  if (pool && files.length > (pool.threshold ?? POOL_THRESHOLD)) {
    const threads = pool.threads ?? parseThreads(asText(session.config.store.getVar('BB_NUMBER_PARSE_THREADS')) || undefined);
    if (threads > 1) return parseInPool(session, files, { opener: pool.opener, threads, onWarning: warn });
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

function approvedPairs(env: Environment): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const name of approvedEnvironment(env)) {
    const value = env[name];
    if (value !== undefined) out.push([name, value]);
  }
  return out;
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
