/**
 * `file://` entries: found along FILESPATH (the first directory that has the path wins, so
 * `files/<override>/x.patch` beats `files/x.patch` when FILESPATH lists the override
 * directory first), and the `[file-checksums]` list BitBake's get_checksum_file_list makes of
 * them, which puts each local file's content into do_fetch's signature.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { asText, type DataStore } from '../metadata/datastore.js';
import { noteProbedFile } from '../metadata/evaluate.js';
import { FetchError } from './errors.js';
import { srcUris, type SrcUri } from './src-uri.js';

export interface LocalSearch {
  /** The path that exists, if any. */
  readonly found: string | undefined;
  /** Every path probed, in order, the found one last. */
  readonly searched: readonly string[];
}

/** BitBake's localfile_searchpaths: an absolute path as is, else each FILESPATH entry in turn. */
export function searchLocal(path: string, filespath: string, exists: (p: string) => boolean = existsSync): LocalSearch {
  if (path.startsWith('/')) return { found: exists(path) ? path : undefined, searched: [path] };
  const searched: string[] = [];
  for (const dir of filespath.split(':')) {
    if (!dir) continue;
    const p = join(dir, path);
    searched.push(p);
    if (exists(p)) return { found: p, searched };
  }
  return { found: undefined, searched };
}

export function checkLocalUri(u: SrcUri): void {
  if (u.path.includes('*')) {
    throw new FetchError(`${u.url}: file:// urls using globbing are no longer supported`, undefined, 'place the files in a directory and reference that instead (as BitBake 2.x requires)');
  }
}

/** The error for a local file found nowhere: every path searched. */
export function missingLocal(u: SrcUri, pn: string, searched: readonly string[]): FetchError {
  return new FetchError(
    `${pn}: unable to find ${u.url}; the paths searched were:\n    ${searched.join('\n    ')}`,
    undefined,
    'add the file to one of these directories, or fix the SRC_URI entry (FILESEXTRAPATHS adds directories)',
  );
}

/** The local path of a `file://` entry; throws a FetchError listing every path searched. */
export function localPath(u: SrcUri, store: DataStore): string {
  checkLocalUri(u);
  const s = searchLocal(u.path, asText(store.getVar('FILESPATH')));
  if (s.found === undefined) throw missingLocal(u, asText(store.getVar('PN')), s.searched);
  return s.found;
}

/**
 * `${@bb.fetch.get_checksum_file_list(d)}`: `path:True` for each local file, preceded by
 * `path:False` for the FILESPATH entries probed before it (a file appearing there later
 * would take its place, so every probe also joins the parse cache key).
 */
export function checksumFileList(store: DataStore): string {
  const filespath = asText(store.getVar('FILESPATH'));
  const out: string[] = [];
  for (const u of srcUris(asText(store.getVar('SRC_URI')))) {
    if (u.type !== 'file') continue;
    checkLocalUri(u);
    const s = searchLocal(u.path, filespath);
    if (s.found === undefined) throw missingLocal(u, asText(store.getVar('PN')), s.searched);
    for (const p of s.searched) {
      noteProbedFile(store, p);
      out.push(`${p}:${p === s.found ? 'True' : 'False'}`);
    }
  }
  return out.join(' ');
}
