/**
 * The metadata engine's I/O shell: reads files from disk (parsing each once per process),
 * builds the configuration, collects recipe files and parses recipes. Everything it calls is
 * pure over the MetadataSource it provides.
 */
import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { hashBytes } from '../core/hash.js';
import type { FileKind, Statement } from './ast.js';
import { appendIndex, collectionsOf, RecipeCollection, type CollectedFiles } from './collections.js';
import { parseConfiguration, type Configuration, type Environment } from './config.js';
import { snapshotConfiguration, type SnapshotOptions } from './config-snapshot.js';
import type { StoreEnv } from './datastore.js';
import { absolutePath, type MetadataSource } from './evaluate.js';
import { parseRecipeFile, type RecipeVariant } from './finalise.js';
import type { TaskSigner } from './recipe-info.js';
import type { DirReader } from './glob.js';
import type { FileStamp } from './parse-cache.js';
import { parse } from './parser.js';
import { resolve as resolvePath } from 'node:path';

/** A lookup: the path, the question asked of it and the answer. */
export type Probe = readonly [path: string, kind: 'exists' | 'isFile', answer: boolean];

const IGNORED_DIRS = new Set(['SCCS', 'CVS', '.svn']);

/**
 * Metadata files on disk. Parsed statements are memoised by path for the process, and so is
 * what a path is: every recipe looks for its classes along BBPATH again, and the files found
 * are read once. A cold `-p` of 1,000 recipes made 3,480 stat calls; with this and `list`
 * knowing the files it lists, 1,269 (one fstat per file read).
 */
export class DiskSource implements MetadataSource, DirReader {
  readonly #parsed = new Map<string, readonly Statement[]>();
  readonly #texts = new Map<string, string>();
  /** What each file read was: its content hash and stat, which the parse cache records. */
  readonly #reads = new Map<string, FileStamp>();
  readonly #kinds = new Map<string, 'file' | 'other' | 'none'>();

  #kind(path: string): 'file' | 'other' | 'none' {
    let k = this.#kinds.get(path);
    if (k === undefined) {
      // Without the thrown ENOENT: a missing path is the common answer along BBPATH.
      const st = statSync(path, { throwIfNoEntry: false });
      k = st === undefined ? 'none' : st.isFile() ? 'file' : 'other';
      this.#kinds.set(path, k);
    }
    return k;
  }

  /** What exists/isFile answered while recording (the configuration snapshot's lookups, negative ones included). */
  #probes: Probe[] | undefined;

  exists(path: string): boolean {
    return this.#probe(path, 'exists', (k) => k !== 'none');
  }

  isFile(path: string): boolean {
    return this.#probe(path, 'isFile', (k) => k === 'file');
  }

  #probe(path: string, kind: Probe[1], answer: (k: 'file' | 'other' | 'none') => boolean): boolean {
    let found: boolean;
    try {
      found = answer(this.#kind(path));
    } catch {
      found = false; // ENOTDIR, EACCES: not there for the parse either
    }
    this.#probes?.push([path, kind, found]);
    return found;
  }

  /** Starts recording lookups (see `recorded`). */
  record(): void {
    this.#probes = [];
  }

  /** Every lookup and read since `record()`, and stops recording. */
  recorded(): { readonly probes: readonly Probe[]; readonly reads: ReadonlyMap<string, FileStamp> } {
    const probes = this.#probes ?? [];
    this.#probes = undefined;
    return { probes, reads: new Map(this.#reads) };
  }

  text(path: string): string {
    let t = this.#texts.get(path);
    if (t === undefined) {
      t = this.#read(path);
      this.#texts.set(path, t);
    }
    return t;
  }

  /**
   * The content hash and stat of a file this source read (by its absolute, normal path),
   * taken from the very bytes that were parsed: the parse cache keys its entries on them
   * instead of reading the files again.
   */
  readStamp(path: string): FileStamp | undefined {
    return this.#reads.get(path);
  }

  #read(path: string): string {
    const fd = openSync(path, 'r');
    try {
      const st = fstatSync(fd);
      // readFileSync(fd) would fstat again for the size; the stamp's stat gives it.
      const buf = Buffer.allocUnsafe(st.size);
      let got = 0;
      for (let n = 1; n > 0 && got < st.size; got += n) n = readSync(fd, buf, got, st.size - got, got);
      const content = buf.subarray(0, got);
      this.#reads.set(absolutePath(path), { mtime: st.mtimeMs, ctime: st.ctimeMs, size: st.size, ino: st.ino, hash: hashBytes(content) });
      return content.toString('utf8');
    } finally {
      closeSync(fd);
    }
  }

  statements(path: string, kind: FileKind, baseConfig: boolean): readonly Statement[] {
    const key = baseConfig ? `base:${path}` : path;
    let s = this.#parsed.get(key);
    if (!s) {
      s = parse(this.text(path), path, kind, { baseConfig });
      this.#parsed.set(key, s);
    }
    return s;
  }

  list(dir: string): readonly string[] | undefined {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return undefined;
    }
    // BBFILES globs list the recipe directories: their regular files need no stat of their own.
    for (const e of entries) if (e.isFile()) this.#kinds.set(dir.endsWith('/') ? dir + e.name : `${dir}/${e.name}`, 'file');
    return entries.map((e) => e.name);
  }

  /** os.walk for .bb and .bbappend files, skipping version-control directories. */
  walk(dir: string): string[] {
    const out: string[] = [];
    const visit = (d: string): void => {
      let entries;
      try {
        entries = readdirSync(d, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const p = `${d}/${e.name}`;
        if (e.isDirectory()) {
          if (!IGNORED_DIRS.has(e.name)) visit(p);
        } else if (e.name.endsWith('.bb') || e.name.endsWith('.bbappend')) out.push(p);
      }
    };
    visit(dir.replace(/\/+$/, ''));
    return out;
  }
}

export interface SessionOptions {
  readonly cwd: string;
  readonly env: Environment;
  readonly storeEnv: StoreEnv;
  readonly source?: DiskSource;
  /** Computes each task's basehash for RecipeInfo (sstate/signature, passed in by the CLI). */
  readonly signer?: TaskSigner;
  /** Reuse the configuration a previous run parsed (config-snapshot.ts); ignored when history is tracked. */
  readonly snapshot?: SnapshotOptions;
}

export class MetadataSession {
  readonly config: Configuration;
  readonly source: DiskSource;
  readonly signer: TaskSigner | undefined;
  /** Whether the configuration came from the snapshot (nothing of it was parsed). */
  readonly fromSnapshot: boolean;
  #collection: RecipeCollection | undefined;
  #files: CollectedFiles | undefined;

  private constructor(config: Configuration, source: DiskSource, signer: TaskSigner | undefined, fromSnapshot: boolean) {
    this.config = config;
    this.source = source;
    this.signer = signer;
    this.fromSnapshot = fromSnapshot;
  }

  static open(opts: SessionOptions): MetadataSession {
    const source = opts.source ?? new DiskSource();
    const inputs = { env: opts.env, cwd: opts.cwd, files: source, storeEnv: opts.storeEnv };
    if (opts.snapshot && !opts.storeEnv.tracking) {
      const { config, loaded } = snapshotConfiguration(inputs, opts.snapshot);
      return new MetadataSession(config, source, opts.signer, loaded);
    }
    return new MetadataSession(parseConfiguration(inputs), source, opts.signer, false);
  }

  get collection(): RecipeCollection {
    this.#collection ??= new RecipeCollection(collectionsOf(this.config.store));
    return this.#collection;
  }

  /** BBFILES globbed, masked and split into recipes and bbappends (once per session). */
  files(): CollectedFiles {
    this.#files ??= this.collection.collect(this.config.store, this.source);
    return this.#files;
  }

  #appendsOf: ((recipe: string) => string[]) | undefined;
  appendsFor(recipe: string): string[] {
    this.#appendsOf ??= appendIndex(this.files().appends);
    return this.#appendsOf(recipe);
  }

  /**
   * The last full parse, handed out once more: a command that parses every recipe and then
   * asks for one of them (getvar -r, -e TARGET) runs its anonymous Python once, not twice.
   */
  #last: { readonly path: string; readonly variants: RecipeVariant[] } | undefined;

  /**
   * Parses one recipe with its bbappends; one result per BBCLASSEXTEND variant. With
   * `layerName` false FILE_LAYERNAME is None, as in `bitbake -e` of a BBCLASSEXTEND target
   * (BitBake looks the layer up by the variant's `virtual:` name, which no BBFILE_PATTERN matches).
   */
  parseRecipe(file: string, only?: string, layerName = true): RecipeVariant[] {
    const path = resolvePath(file);
    if (!layerName) return this.#parse(path, only, false);
    const last = this.#last;
    this.#last = undefined;
    if (last?.path === path && (only === undefined || last.variants.some((v) => v.variant === only))) return last.variants;
    const variants = this.#parse(path, only);
    if (only === undefined) this.#last = { path, variants };
    return variants;
  }

  #parse(path: string, only: string | undefined, layerName = true): RecipeVariant[] {
    const store = this.config.store.createCopy();
    const layer = layerName ? this.collection.priorityOf(path).layer : undefined;
    store.setVar('__BBMULTICONFIG', '');
    // Always set, as BitBake does: None (unset) for a recipe in no collection, whatever the configuration said.
    store.setVar('FILE_LAYERNAME', layer ?? null);
    store.setVar('__BB_RECIPE_FILE', path);
    const appends = this.appendsFor(path);
    if (appends.length) store.setVar('__BBAPPEND', appends.join(' '));
    return parseRecipeFile(path, store, this.config.evaluator, only);
  }
}

export type { RecipeVariant };
