/**
 * The configuration snapshot: the finalised configuration datastore (with the Python
 * definitions it holds) saved in `${TOPDIR}/cache/tsbake-config.snap`, so that a run whose
 * configuration inputs are unchanged skips parsing bblayers.conf, layer.conf, bitbake.conf,
 * base.bbclass and the INHERIT classes, and running the ConfigParsed handlers.
 *
 * The snapshot is valid only for the same tsbake build (version and the stat of its code),
 * the same approved environment, working directory and caller key, and while every lookup
 * the parse made gives the same answer: each file it read has the stat it had when read
 * (mtime, ctime, size, inode), and each path it looked for still exists, or still does not
 * (a class or include that appears along BBPATH invalidates it). Anything in doubt (a file
 * changed within the timestamp granularity, state that is not plain data, a broken Python
 * definition) means no snapshot: the next run parses again.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import { InterruptedError } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs.js';
import { hashParts } from '../core/hash.js';
import { PACKAGE_ROOT } from '../core/package-root.js';
import { approvedPairs, findConfigFile, parseConfiguration, type ConfigInputs, type Configuration } from './config.js';
import { asText, DataStore, type StoreEnv, type StoreSnapshot } from './datastore.js';
import { Evaluator, type MetadataSource } from './evaluate.js';
import type { FileStamp } from './parse-cache.js';
import type { PythonAccess } from './python-bridge.js';
import { contextOf, ownContext, type ContextEntry } from './python/contexts.js';
import type { DiskSource, Probe } from './session.js';

export const SNAPSHOT_FILE = 'tsbake-config.snap';
/** Bump when the saved layout or what it means changes. */
const FORMAT = 1;
/** As in the parse cache: a file written this recently may change again without its stat changing. */
const RACY_MS = 2000;
const PYTHON_CONTEXT = 'python.context';

/** What the configuration parse looked at, with the answers it got. */
export interface Recorded {
  readonly probes: readonly Probe[];
  /** Metadata files read, with their stat as they were read. */
  readonly reads: ReadonlyMap<string, FileStamp>;
  /** What Python read or listed on its own, and when the parse started (their stat is taken after it). */
  readonly python: PythonAccess;
  readonly started: number;
}

interface Saved {
  readonly format: number;
  readonly key: string;
  readonly probes: readonly Probe[];
  /** [path, identity]: a metadata file's stat as it was read; a file or directory Python read or listed, or `missing`. */
  readonly inputs: ReadonlyArray<readonly [string, string]>;
  readonly store: StoreSnapshot;
  /** The store's `extra` bookkeeping (plain data), without the Python context. */
  readonly extra: ReadonlyArray<readonly [string, unknown]>;
  /** The Python context's definitions, outermost first. */
  readonly python: readonly ContextEntry[];
  readonly topdir: string;
  readonly bblayersConf: string | undefined;
  readonly layers: readonly string[];
}

export interface SnapshotOptions {
  /** More of the key: what else selects the configuration (the python3 interpreter, ...). */
  readonly key: readonly string[];
  /** False when the parse printed something: a snapshot run would not print it again. */
  readonly quiet?: () => boolean;
  /** The time now, which decides which files changed too recently to be vouched for (tests set it past their fixture's). */
  readonly now?: number;
}

/**
 * The configuration, from the snapshot when it holds, else parsed (and saved for the next run
 * when the configuration uses a parse cache: CACHE is set). Not for stores that keep history.
 */
export function snapshotConfiguration(inputs: ConfigInputs & { readonly files: DiskSource }, opts: SnapshotOptions): { readonly config: Configuration; readonly loaded: boolean } {
  const env = approvedPairs(inputs.env);
  const bbpath = env.find(([name]) => name === 'BBPATH')?.[1];
  const bblayers = findConfigFile('bblayers.conf', bbpath || undefined, inputs.cwd, (p) => statSync(p, { throwIfNoEntry: false }) !== undefined);
  const path = snapshotPath(bblayers ? dirname(dirname(bblayers)) : resolve(inputs.cwd));
  const key = snapshotKey([inputs.cwd, String(env.length), ...env.flat(), ...opts.key]);
  const loaded = loadConfiguration(path, key, inputs.storeEnv, inputs.files);
  if (loaded) return { config: loaded, loaded: true };
  const started = opts.now ?? Date.now();
  const [config, read] = recording(inputs.files, () => parseConfiguration(inputs));
  if ((opts.quiet?.() ?? true) && asText(config.store.getVar('CACHE'))) {
    const python = pythonAccess(inputs.storeEnv, config);
    if (python) saveConfiguration(path, key, config, { ...read, python, started }, opts.now);
  }
  return { config, loaded: false };
}

/** What Python read during the parse; undefined when it cannot say (no snapshot then, and no error). */
function pythonAccess(storeEnv: StoreEnv, config: Configuration): PythonAccess | undefined {
  try {
    return storeEnv.python.accessed(config.store);
  } catch (e) {
    if (e instanceof InterruptedError) throw e;
    return undefined;
  }
}

/** Runs `fn` with the source recording its lookups and reads. */
function recording<T>(files: DiskSource, fn: () => T): [T, Pick<Recorded, 'probes' | 'reads'>] {
  files.record();
  try {
    return [fn(), files.recorded()];
  } catch (e) {
    files.recorded();
    throw e;
  }
}

/** Where the snapshot of a build directory lives (BitBake keeps its own state in `${TOPDIR}/cache` too). */
export function snapshotPath(topdir: string): string {
  return join(topdir, 'cache', SNAPSHOT_FILE);
}

/** The key: snapshot format, tsbake build, and what the caller says selects the configuration. */
export function snapshotKey(parts: readonly string[]): string {
  return hashParts([String(FORMAT), buildIdentity(), ...parts]);
}

/** The configuration saved at `path` if it is still what parsing would give, else undefined. */
export function loadConfiguration(path: string, key: string, storeEnv: StoreEnv, files: MetadataSource): Configuration | undefined {
  let saved: Saved;
  try {
    saved = deserialize(readFileSync(path)) as Saved;
  } catch {
    return undefined; // absent or damaged: parse
  }
  if (saved.format !== FORMAT || saved.key !== key) return undefined;
  if (!saved.probes.every(([p, kind, answer]) => probe(p, kind) === answer)) return undefined;
  if (!saved.inputs.every(([p, id]) => currentIdentity(p) === id)) return undefined;
  const root = DataStore.restore(storeEnv, saved.store);
  for (const [k, v] of saved.extra) root.extra.set(k, v);
  for (const entry of saved.python) {
    // def goes through the host, which also learns the text (its TypeScript fast path needs it).
    if (entry.kind === 'def') storeEnv.python.define(root, entry.fn);
    else ownContext(root).entries.push(entry);
  }
  return { store: root.createCopy(), topdir: saved.topdir, bblayersConf: saved.bblayersConf, layers: saved.layers, evaluator: new Evaluator(files) };
}

/**
 * Saves `config` for the next run when everything it depends on can be vouched for; returns
 * whether it did. A snapshot that cannot be written is no error (the next run parses).
 */
export function saveConfiguration(path: string, key: string, config: Configuration, recorded: Recorded, now = Date.now()): boolean {
  const inputs = new Map<string, string>();
  for (const [p, s] of recorded.reads) {
    if (now - Math.max(s.mtime, s.ctime) <= RACY_MS) return false;
    inputs.set(p, identityOf('f', s));
  }
  for (const p of [...recorded.python.files, ...recorded.python.dirs]) {
    if (inputs.has(p)) continue;
    const st = statOf(p);
    // Taken after Python read it: it must not have changed since the parse started.
    if (st && Math.max(st.mtime, st.ctime) >= recorded.started - RACY_MS) return false;
    inputs.set(p, st ? identityOf(st.kind, st) : MISSING);
  }
  const answers = new Map<string, boolean>();
  for (const [p, kind, answer] of recorded.probes) {
    const k = `${kind}\0${p}`;
    if (answers.get(k) === !answer) return false; // the file came or went during the parse
    answers.set(k, answer);
  }
  const python = pythonEntries(config.store);
  const extra = [...config.store.extra].filter(([k]) => k !== PYTHON_CONTEXT);
  if (!python || !extra.every(([, v]) => isPlain(v))) return false;
  const probes = [...answers].map(([k, answer]): Probe => {
    const [kind, p] = k.split('\0') as ['exists' | 'isFile', string];
    return [p, kind, answer];
  });
  const saved: Saved = { format: FORMAT, key, probes, inputs: [...inputs], store: config.store.snapshot(), extra, python, topdir: config.topdir, bblayersConf: config.bblayersConf, layers: config.layers };
  try {
    writeFileAtomic(path, serialize(saved));
    return true;
  } catch {
    return false; // a read-only build directory: parse every time
  }
}

/** The Python definitions `store` sees, outermost context first; undefined if one of them failed. */
function pythonEntries(store: DataStore): ContextEntry[] | undefined {
  const chain = [];
  for (let c = contextOf(store); c; c = c.parent) {
    if (c.broken) return undefined;
    chain.unshift(c);
  }
  return chain.flatMap((c) => c.entries);
}

/** Strings, numbers, booleans, null, arrays and plain objects of them: what survives serialisation unchanged. */
function isPlain(v: unknown): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return true;
  if (Array.isArray(v)) return v.every(isPlain);
  if (typeof v !== 'object' || Object.getPrototypeOf(v) !== Object.prototype) return false;
  return Object.values(v as Record<string, unknown>).every(isPlain);
}

function probe(path: string, kind: Probe[1]): boolean {
  try {
    const st = statSync(path, { throwIfNoEntry: false });
    return st !== undefined && (kind === 'exists' || st.isFile());
  } catch {
    return false;
  }
}

const MISSING = 'missing';

interface Stat {
  readonly kind: 'f' | 'd' | 'o';
  readonly mtime: number;
  readonly ctime: number;
  readonly size: number;
  readonly ino: number;
}

const identityOf = (kind: Stat['kind'], s: Omit<Stat, 'kind'>): string => `${kind}:${s.mtime}:${s.ctime}:${s.size}:${s.ino}`;

function statOf(path: string): Stat | undefined {
  try {
    const st = statSync(path, { throwIfNoEntry: false });
    return st && { kind: st.isFile() ? 'f' : st.isDirectory() ? 'd' : 'o', mtime: st.mtimeMs, ctime: st.ctimeMs, size: st.size, ino: st.ino };
  } catch {
    return undefined; // unreadable counts as missing: a later readable file differs
  }
}

function currentIdentity(path: string): string {
  const st = statOf(path);
  return st ? identityOf(st.kind, st) : MISSING;
}

let identity: string | undefined;
/**
 * tsbake's own build: its version and the stat of the code that parses (this module's
 * directory: the bundle, or dist/engine/metadata) and of the Python worker's sources. A
 * rebuilt tsbake may parse the same files differently.
 */
function buildIdentity(): string {
  if (identity !== undefined) return identity;
  const parts: string[] = [];
  const add = (dir: string, recurse: boolean): void => {
    // Compiled code sits beside its sources in the bundle; dist/engine/metadata has subdirectories.
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of names) {
      if (name === '__pycache__') continue;
      const p = join(dir, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (st?.isDirectory()) {
        if (recurse) add(p, true);
      } else if (st) parts.push(p, identityOf('f', { mtime: st.mtimeMs, ctime: st.ctimeMs, size: st.size, ino: st.ino }));
    }
  };
  add(dirname(fileURLToPath(import.meta.url)), true);
  add(join(PACKAGE_ROOT, 'engine', 'metadata', 'python'), true);
  parts.push(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8'));
  identity = hashParts(parts);
  return identity;
}
