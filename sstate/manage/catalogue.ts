/**
 * The cache as tsbake-sstate sees it: every sstate file grouped into objects (an archive and
 * the companions beside it that share its name), plus temp files. Pure.
 */
import { parseSstateFileName, parseTempName, placeOf, type ObjectSlot, type SstateFileName } from './object-name.js';

/** A file found in the cache. */
export interface CacheFile {
  readonly path: string;
  /** Set for a symlink: the real path of its target, a file inside the cache. */
  readonly linkTarget: string | undefined;
  /** lstat's mtime and size when the rules in use needed them (for a symlink: the link's own). */
  readonly mtimeMs: number | undefined;
  readonly size: number | undefined;
}

export interface SstateObject {
  /** The archive's path, whether or not the archive exists. */
  readonly path: string;
  readonly name: SstateFileName;
  readonly archive: CacheFile | undefined;
  /** The companions: `<archive>.siginfo` and `<archive>.done`. */
  readonly siginfo: CacheFile | undefined;
  readonly done: CacheFile | undefined;
}

export interface TempFile {
  readonly file: CacheFile;
  readonly pid: number;
}

export interface Catalogue {
  readonly objects: readonly SstateObject[];
  readonly temps: readonly TempFile[];
  /** Names starting with `sstate:` that are no object, siginfo or `.done` file (locks...). */
  readonly unrecognised: readonly CacheFile[];
  /** Object files and temp files: the M of "N out of M files". */
  readonly fileCount: number;
}

/** `dir` without a trailing slash, `name` the entry's file name. */
export interface FoundFile {
  readonly dir: string;
  readonly name: string;
  readonly linkTarget: string | undefined;
  readonly mtimeMs: number | undefined;
  readonly size: number | undefined;
}

interface ObjectBuilder {
  readonly path: string;
  readonly objectName: string;
  archive: CacheFile | undefined;
  siginfo: CacheFile | undefined;
  done: CacheFile | undefined;
}

/**
 * Collects a cache's files. The walk hands over whole objects (its threads pair each archive
 * with its companions per directory); single files (symlinks, tests) are paired here.
 */
export class CatalogueBuilder {
  readonly #objects: ObjectBuilder[] = [];
  /** Objects by archive path, made only when a single file has to find its object. */
  #byPath: Map<string, ObjectBuilder> | undefined;
  readonly #temps: TempFile[] = [];
  readonly #unrecognised: CacheFile[] = [];

  /** Each (dir, objectName) once; files the caller has already paired. */
  addObject(dir: string, objectName: string, files: Readonly<Record<ObjectSlot, CacheFile | undefined>>): void {
    const o: ObjectBuilder = { path: `${dir}/${objectName}`, objectName, archive: files.archive, siginfo: files.siginfo, done: files.done };
    this.#objects.push(o);
    this.#byPath?.set(o.path, o);
  }

  addTemp(file: CacheFile, pid: number): void {
    this.#temps.push({ file, pid });
  }

  addUnrecognised(file: CacheFile): void {
    this.#unrecognised.push(file);
  }

  addFile(f: FoundFile): void {
    const file: CacheFile = { path: `${f.dir}/${f.name}`, linkTarget: f.linkTarget, mtimeMs: f.mtimeMs, size: f.size };
    const temp = parseTempName(f.name);
    if (temp) return this.addTemp(file, temp.pid);
    const place = placeOf(f.name);
    if (!place) return this.addUnrecognised(file);
    const byPath = (this.#byPath ??= new Map(this.#objects.map((o) => [o.path, o])));
    const path = place.slot === 'archive' ? file.path : `${f.dir}/${place.objectName}`;
    let o = byPath.get(path);
    if (!o) {
      o = { path, objectName: place.objectName, archive: undefined, siginfo: undefined, done: undefined };
      this.#objects.push(o);
      byPath.set(path, o);
    }
    o[place.slot] = file;
  }

  /** Parses each object's name once (oe-core's fields); objects whose name fails are odd files. */
  finish(): Catalogue {
    const objects: SstateObject[] = [];
    const unrecognised = [...this.#unrecognised];
    let fileCount = this.#temps.length;
    for (const o of this.#objects) {
      const name = parseSstateFileName(o.objectName);
      const files = objectFiles(o);
      if (!name) unrecognised.push(...files);
      else {
        fileCount += files.length;
        objects.push({ path: o.path, name, archive: o.archive, siginfo: o.siginfo, done: o.done });
      }
    }
    return { objects, temps: [...this.#temps], unrecognised, fileCount };
  }
}

export function catalogue(found: Iterable<FoundFile>): Catalogue {
  const b = new CatalogueBuilder();
  for (const f of found) b.addFile(f);
  return b.finish();
}

/** The archive first, then its companions. */
export function objectFiles(o: Readonly<Record<ObjectSlot, CacheFile | undefined>>): CacheFile[] {
  const out: CacheFile[] = [];
  if (o.archive) out.push(o.archive);
  if (o.siginfo) out.push(o.siginfo);
  if (o.done) out.push(o.done);
  return out;
}

export function companionsOf(o: SstateObject): CacheFile[] {
  const out: CacheFile[] = [];
  if (o.siginfo) out.push(o.siginfo);
  if (o.done) out.push(o.done);
  return out;
}

/**
 * When an object was last used: its archive's mtime (the store touches an object each time
 * it restores or re-writes it); for an object without archive, its newest companion's.
 * Undefined when none of its files could be looked at.
 */
export function lastUsed(o: SstateObject): number | undefined {
  if (o.archive) return o.archive.mtimeMs;
  let newest: number | undefined;
  for (const c of companionsOf(o)) {
    const t = c.mtimeMs;
    if (t !== undefined && (newest === undefined || t > newest)) newest = t;
  }
  return newest;
}
