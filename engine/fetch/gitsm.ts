/**
 * gitsm://: a git entry whose submodules, recursively, come along, as BitBake's gitsm fetcher
 * does it. Each submodule the superproject's `.gitmodules` names at the fetched commit and
 * whose path holds a gitlink there becomes a `gitsm://` URL of its own (a relative URL is
 * resolved against the superproject's), pinned to the gitlink's commit (`nobranch=1`): its
 * own bare clone in `${DL_DIR}/git2/<host>.<path>`, its own mirror tarball, its own lock.
 * Unpacking puts each submodule's repository at `.git/modules/<name>` of the checkout (of
 * the parent module's repository, for nested ones), points `submodule.<name>.url` at the
 * DL_DIR clone and lets `git submodule update --recursive --no-fetch` check out the
 * recorded commits.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import type { DataStore } from '../metadata/datastore.js';
import { tempName } from '../core/fs.js';
import { FetchError, UnpackError } from './errors.js';
import { git, gitSource, shallowTarballPath, unpackShallow, type GitSource } from './git.js';
import { runTool, type ToolOptions } from './run-tool.js';
import { decodeUrl } from './src-uri.js';

export interface Submodule {
  readonly name: string;
  readonly path: string;
  readonly source: GitSource;
}

/**
 * The URL BitBake's gitsm makes for submodule `name` at `url` of `parent`: relative URLs
 * against the parent's, `scp`-like ones as ssh, plain paths as local repositories.
 */
export function submoduleUrl(parent: GitSource, name: string, url: string): string {
  let uri = url;
  if (uri.startsWith('..') || uri.startsWith('./')) {
    const user = parent.uri.user ? `${parent.uri.user}@` : '';
    uri = `${parent.proto}://${user}${parent.uri.host}${encodeURI(posix.normalize(posix.join(parent.uri.path, uri)))}`;
  }
  let proto: string;
  let out: string;
  if (uri.includes('://')) {
    proto = uri.slice(0, uri.indexOf(':'));
    out = `gitsm${uri.slice(proto.length)}`;
  } else if (uri.includes(':')) {
    proto = 'ssh';
    out = `gitsm://${uri.includes(':/') ? uri.replace(':/', '/') : uri.replace(':', '/')}`;
  } else {
    proto = 'file';
    out = `gitsm://${uri}`;
  }
  if (out.endsWith(`${parent.uri.host}${parent.uri.path}`)) throw new FetchError(`${parent.uri.url}: submodule ${name} refers to the parent repository`, undefined, 'use git:// instead of gitsm://');
  return `${out};protocol=${proto};name=${name};subpath=${name};nobranch=1;lfs=0;bareclone=1`;
}

/** `submodule.<name>.<key>` values of a `git config --null --list` listing. */
function gitmodules(listing: string): Map<string, Map<string, string>> {
  const modules = new Map<string, Map<string, string>>();
  for (const entry of listing.split('\0')) {
    const nl = entry.indexOf('\n');
    const key = nl < 0 ? entry : entry.slice(0, nl);
    const dot = key.lastIndexOf('.');
    if (!key.startsWith('submodule.') || dot <= 'submodule.'.length) continue;
    const name = key.slice('submodule.'.length, dot);
    const fields = modules.get(name) ?? new Map<string, string>();
    fields.set(key.slice(dot + 1), nl < 0 ? '' : entry.slice(nl + 1));
    modules.set(name, fields);
  }
  return modules;
}

/**
 * Runs `fn` in a repository that holds `src`'s commit: its DL_DIR clone or, without one, its
 * shallow tarball unpacked in a temporary directory (BB_GIT_SHALLOW keeps no clone).
 */
async function inRepository<T>(src: GitSource, dlDir: string, opts: ToolOptions, fn: (dir: string) => Promise<T>): Promise<T> {
  const tarball = shallowTarballPath(src, dlDir);
  if (tarball === undefined || existsSync(join(src.cloneDir, 'HEAD')) || !existsSync(tarball)) return fn(src.cloneDir);
  const tmp = tempName(tarball);
  try {
    await unpackShallow(src, tarball, tmp, opts);
    return await fn(tmp);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The submodules of `parent` at commit `rev`, read from its DL_DIR clone (or shallow tarball). */
export function submodules(parent: GitSource, rev: string, store: DataStore, dlDir: string, opts: ToolOptions): Promise<Submodule[]> {
  return inRepository(parent, dlDir, opts, (dir) => submodulesIn(dir, parent, rev, store, dlDir, opts));
}

async function submodulesIn(dir: string, parent: GitSource, rev: string, store: DataStore, dlDir: string, opts: ToolOptions): Promise<Submodule[]> {
  const inClone = { ...opts, cwd: dir };
  const listing = await runTool('git', ['config', '--blob', `${rev}:.gitmodules`, '--null', '--list'], inClone);
  if (listing.status !== 0) return [];
  const out: Submodule[] = [];
  for (const [name, fields] of gitmodules(listing.output)) {
    const path = fields.get('path');
    const url = fields.get('url');
    if (path === undefined || url === undefined) continue;
    const tree = await git(['ls-tree', '-z', '-d', rev, '--', path], inClone, parent.uri.url);
    const [, type, sha] = tree.split('\t')[0]?.split(' ') ?? [];
    // Defined but not initialised in the repository: BitBake skips it too.
    if (type !== 'commit' || sha === undefined) continue;
    out.push({ name, path, source: gitSource(decodeUrl(submoduleUrl(parent, name, url)), store, dlDir, sha) });
  }
  return out;
}

/** Puts the repositories of `parent`'s submodules below `gitDir`/modules, recursively; configures them in `configDir`. */
async function addModules(parent: GitSource, rev: string, configDir: string, gitDir: string, store: DataStore, dlDir: string, opts: ToolOptions): Promise<boolean> {
  const subs = await submodules(parent, rev, store, dlDir, opts);
  for (const m of subs) {
    const clone = m.source.cloneDir;
    const modDir = join(gitDir, 'modules', m.name);
    rmSync(modDir, { recursive: true, force: true });
    mkdirSync(dirname(modDir), { recursive: true });
    const shallow = shallowTarballPath(m.source, dlDir);
    if (existsSync(join(clone, 'HEAD'))) await git(['clone', '-q', '-s', '--mirror', `${clone}/`, modDir], opts, m.source.uri.url);
    else if (shallow !== undefined && existsSync(shallow)) await unpackShallow(m.source, shallow, modDir, opts);
    else throw new UnpackError(`${parent.uri.url}: submodule ${m.name} has no clone at ${clone}${shallow ? ` and no ${shallow}` : ''}`, undefined, 'run do_fetch first');
    await git(['config', 'core.bare', 'false'], { ...opts, cwd: modDir }, m.source.uri.url);
    await git(['config', `submodule.${m.name}.url`, clone], { ...opts, cwd: configDir }, parent.uri.url);
    if (parent.shallow) await git(['config', `submodule.${m.name}.shallow`, 'true'], { ...opts, cwd: configDir }, parent.uri.url);
    await addModules(m.source, m.source.wanted, modDir, modDir, store, dlDir, opts);
  }
  return subs.length > 0;
}

/** The submodules of a checkout of `src` at `rev` in `worktree`, checked out at their recorded commits. */
export async function unpackSubmodules(src: GitSource, rev: string, worktree: string, store: DataStore, dlDir: string, opts: ToolOptions): Promise<void> {
  if (!(await addModules(src, rev, worktree, join(worktree, '.git'), store, dlDir, opts))) return;
  await git(['submodule', 'update', '--recursive', '--no-fetch'], { ...opts, cwd: worktree }, src.uri.url);
}
