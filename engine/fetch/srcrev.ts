/**
 * Floating revisions (`SRCREV = "${AUTOREV}"`, a tag or branch name) as BitBake resolves
 * them: while parsing, with `git ls-remote` (its git latest_revision), so the commit enters
 * the signature through `bb.fetch.get_hashvalue(d)` (base.bbclass's
 * fetcher_hashes_dummyfunc[vardepvalue]) and a new commit on the branch reruns do_fetch and
 * everything after it. A recipe that floats is not parse-cached (BB_DONT_CACHE).
 *
 * Answers are kept in `${BB_CACHEDIR}/tsbake-srcrevisions.json`, which parse threads and the
 * task that fetches share, so do_fetch gets the very commit the signature was made from.
 * BB_SRCREV_POLICY "clear" (the default) empties it when a command starts; "cache" keeps
 * it, so the branch is asked again only once the file is removed.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/fs.js';
import { asText, type DataStore } from '../metadata/datastore.js';
import { FetchError, NetworkAccessError } from './errors.js';
import { GIT, gitSource, SHA1, wantedRevision, type GitSource } from './git.js';
import { srcUris, type SrcUri } from './src-uri.js';

const CACHE_FILE = 'tsbake-srcrevisions.json';

function policy(store: DataStore): 'clear' | 'cache' {
  const p = asText(store.getVar('BB_SRCREV_POLICY')) || 'clear';
  if (p !== 'clear' && p !== 'cache') throw new FetchError(`invalid SRCREV cache policy '${p}'`, undefined, 'set BB_SRCREV_POLICY to "clear" or "cache"');
  return p;
}

function cacheFile(store: DataStore): string {
  return join(asText(store.getVar('BB_CACHEDIR')) || join(asText(store.getVar('TOPDIR')), 'cache'), CACHE_FILE);
}

/** BitBake's fetcher_init, once per command with the configuration: applies BB_SRCREV_POLICY. */
export function startRevisionCache(config: DataStore): void {
  if (policy(config) === 'clear') rmSync(cacheFile(config), { force: true });
}

function readCache(file: string): Record<string, string> {
  try {
    const data: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return typeof data === 'object' && data !== null ? (data as Record<string, string>) : {};
  } catch {
    return {};
  }
}

/** mark_recipe_nocache: a recipe whose revision floats is parsed again each time (unless policy "cache"). */
function markNoCache(store: DataStore): void {
  if (policy(store) !== 'cache') store.setVar('BB_DONT_CACHE', '1');
}

/** What ls-remote is asked to find: the branch for AUTOREV, else the name SRCREV gave. */
function unresolved(src: GitSource): string {
  if (src.uri.params.get('usehead') === '1') return 'HEAD';
  return src.wanted === 'AUTOINC' ? src.branch : src.wanted;
}

/** The ref lines of `git ls-remote` output that name `name`, in BitBake's order of preference. */
export function matchRemoteRef(output: string, name: string): string | undefined {
  const wanted = name.startsWith('refs/') || name === 'HEAD' ? [name] : [`refs/heads/${name}`, `refs/tags/${name}^{}`, `refs/tags/${name}`];
  const refs = new Map<string, string>();
  for (const line of output.split('\n')) {
    const [sha, ref] = line.trim().split(/\s+/);
    if (sha && ref) refs.set(ref, sha);
  }
  for (const w of wanted) {
    const sha = refs.get(w);
    if (sha) return sha;
  }
  return undefined;
}

/** The commit a floating revision names now (latest_revision): from the cache, else upstream. */
export function latestRevision(src: GitSource, store: DataStore): string {
  markNoCache(store);
  const name = unresolved(src);
  const key = `git:${src.uri.host}${src.uri.path.replace(/\/+/g, '.')}${name}`;
  const file = cacheFile(store);
  const known = readCache(file)[key];
  if (known !== undefined) return known;
  const cmd = `git ls-remote ${src.repoUrl}`;
  if (src.proto !== 'file' && ['1', 'yes', 'y', 'true', 'on'].includes(asText(store.getVar('BB_NO_NETWORK')).toLowerCase())) {
    throw new NetworkAccessError(`network access disabled through BB_NO_NETWORK (or set indirectly), but '${cmd}' is needed to resolve ${name} of ${src.uri.url}`, undefined, 'pin SRCREV to a commit id to build offline');
  }
  const r = spawnSync('git', [...GIT, 'ls-remote', src.repoUrl], { encoding: 'utf8' });
  if (r.status !== 0) throw new FetchError(`${src.uri.url}: ${cmd} failed (exit ${r.status ?? 'signal'}):\n${(r.stderr ?? '').trimEnd()}`);
  const sha = matchRemoteRef(r.stdout, name);
  if (!sha) throw new FetchError(`unable to resolve '${name}' in upstream git repository in git ls-remote output for ${src.uri.host}${src.uri.path}`);
  // Merge with what other parse threads wrote meanwhile; a lost race only means asking again.
  writeFileAtomic(file, `${JSON.stringify({ ...readCache(file), [key]: sha }, null, 1)}\n`);
  return sha;
}

/**
 * gitSource with AUTOREV resolved: the commit this build's signature, fetch and unpack use. A
 * shallow entry resolves a tag or branch name too, since its tarball's name holds the commit.
 */
export function resolvedGitSource(u: SrcUri, store: DataStore, dlDir: string): GitSource {
  const src = gitSource(u, store, dlDir);
  return src.wanted === 'AUTOINC' || (src.shallow && !SHA1.test(src.wanted)) ? { ...src, wanted: latestRevision(src, store) } : src;
}

/** Schemes with revisions (BitBake's supports_srcrev); tsbake fetches only git and gitsm. */
const SCM_TYPES: ReadonlySet<string> = new Set(['git', 'gitsm', 'svn', 'hg', 'bzr', 'cvs', 'repo', 'p4', 'osc', 'gitannex']);

/** `${@bb.fetch.get_hashvalue(d)}`: the revision of each SCM entry of SRC_URI (git ones resolved), space-separated. */
export function hashValue(store: DataStore): string {
  store.setVar('__BBSRCREV_SEEN', '1');
  const dlDir = asText(store.getVar('DL_DIR'));
  const revs: string[] = [];
  for (const u of srcUris(asText(store.getVar('SRC_URI')))) {
    if (!SCM_TYPES.has(u.type)) continue;
    if (u.type !== 'git' && u.type !== 'gitsm') {
      revs.push(wantedRevision(u, store));
      continue;
    }
    const src = resolvedGitSource(u, store, dlDir);
    revs.push(SHA1.test(src.wanted) ? src.wanted : latestRevision(src, store));
  }
  return revs.join(' ');
}

/** `${@bb.fetch2.get_autorev(d)}`: marks the recipe as floating; the fetcher resolves AUTOINC. */
export function autorev(store: DataStore): string {
  markNoCache(store);
  store.setVar('__BBAUTOREV_SEEN', '1');
  return 'AUTOINC';
}
