/**
 * `git://` (and the superproject of `gitsm://`, gitsm.ts) with BitBake's layout: a bare mirror clone in
 * `${DL_DIR}/git2/<host>.<path>` (GITDIR), updated with `git fetch`, and with
 * BB_GENERATE_MIRROR_TARBALLS a `${DL_DIR}/git2_<host>.<path>.tar.gz` of it that a later
 * build (or BitBake) can start from. SRCREV (or `rev=`/`tag=`) picks the commit; a tag or
 * branch name is resolved against the clone, then used (AUTOREV is resolved upstream before:
 * srcrev.ts).
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { asText, type DataStore } from '../metadata/datastore.js';
import { FetchError, UnpackError } from './errors.js';
import { runTool, type ToolOptions } from './run-tool.js';
import { tempName } from '../core/fs.js';
import { refMatches, shallowSpec, shallowTarballName, type ShallowSpec } from './git-shallow.js';
import { uriName, type SrcUri } from './src-uri.js';

export interface GitSource {
  readonly uri: SrcUri;
  /** The URL git is given: `proto://host/path`, or a path for `protocol=file`. */
  readonly repoUrl: string;
  readonly proto: string;
  readonly branch: string;
  readonly nobranch: boolean;
  /** `<host>.<path>` as BitBake names it. */
  readonly srcName: string;
  readonly cloneDir: string;
  /** `git2_<srcName>.tar.gz`. */
  readonly mirrorTarball: string;
  /** What SRCREV/rev=/tag= asked for (a commit id, a tag, a branch; AUTOINC until srcrev.ts resolves it). */
  readonly wanted: string;
  /** BB_GIT_SHALLOW for this entry (gitsm:// and its submodules too). */
  readonly shallow: ShallowSpec | undefined;
}

export const SHA1 = /^[0-9a-f]{40}$/;
export const GIT = ['-c', 'gc.autoDetach=false', '-c', 'core.pager=cat', '-c', 'safe.bareRepository=all', '-c', 'clone.defaultRemoteName=origin'];

/** BitBake's srcrev_internal_helper: SRCREV_<name>:pn-<pn>, SRCREV_<name>, SRCREV:pn-<pn>, SRCREV, then rev=/tag=. */
export function wantedRevision(u: SrcUri, store: DataStore): string {
  const name = uriName(u);
  const pn = asText(store.getVar('PN'));
  const attempts = [`SRCREV_${name}:pn-${pn}`, `SRCREV_${name}`, `SRCREV:pn-${pn}`, 'SRCREV'];
  let srcrev = '';
  for (const a of attempts) {
    srcrev = asText(store.getVar(a));
    if (srcrev && srcrev !== 'INVALID') break;
  }
  const valid = srcrev !== '' && srcrev !== 'INVALID';
  const rev = u.params.get('rev');
  if (rev !== undefined) {
    if (valid && srcrev !== rev) throw new FetchError(`conflicting revisions (${srcrev} from SRCREV and ${rev} from the url) for ${u.url}`);
    return rev;
  }
  const tag = u.params.get('tag');
  if (tag !== undefined && !valid) return tag;
  if (!valid) throw new FetchError(`please set a valid SRCREV for ${u.url} (possible names: ${attempts.join(', ')}), or use a ;rev=X URL parameter`);
  return srcrev;
}

/** `<host>.<path>`: the clone's name under git2/ (and in its mirror tarball's name). */
export function gitSrcName(u: SrcUri): string {
  const name = `${u.host.replaceAll(':', '.')}${u.path.replace(/[/*]/g, '.').replaceAll(' ', '_').replace(/[()]/g, '_')}`;
  return name.startsWith('.') ? name.slice(1) : name;
}

/** A variable's text, undefined when it is unset. */
function setting(store: DataStore, name: string): string | undefined {
  const value = store.getVar(name);
  return value === undefined || value === null ? undefined : asText(value);
}

/** `wanted` defaults to what SRCREV (or rev=/tag=) says; a submodule passes its gitlink's commit. */
export function gitSource(u: SrcUri, store: DataStore, dlDir: string, wanted?: string): GitSource {
  const proto = u.params.get('protocol') ?? (u.host ? 'git' : 'file');
  if (!['git', 'file', 'ssh', 'http', 'https', 'rsync'].includes(proto)) throw new FetchError(`invalid protocol type '${proto}' in ${u.url}`);
  const nobranch = u.params.get('nobranch') === '1';
  const branch = u.params.get('branch') ?? '';
  if (!branch && !nobranch) throw new FetchError(`${u.url} does not set a branch parameter or nobranch=1`, undefined, 'add ;branch=<name> (BitBake 2.x requires it)');
  const srcName = gitSrcName(u);
  const gitDir = asText(store.getVar('GITDIR')) || join(dlDir, 'git2');
  const userinfo = u.user ? `${u.user}${u.pswd ? `:${u.pswd}` : ''}@` : '';
  const repoUrl = proto === 'file' ? u.path : `${proto}://${userinfo}${u.host}${u.path}`;
  return { uri: u, repoUrl, proto, branch, nobranch, srcName, cloneDir: join(gitDir, srcName), mirrorTarball: `git2_${srcName}.tar.gz`, wanted: wanted ?? wantedRevision(u, store), shallow: shallowSpec(u, (name) => setting(store, name)) };
}

/** Where `src`'s shallow tarball lives in DL_DIR; undefined when the entry is not shallow. */
export function shallowTarballPath(src: GitSource, dlDir: string): string | undefined {
  return src.shallow ? join(dlDir, shallowTarballName(src, src.shallow, src.wanted)) : undefined;
}

export async function git(args: readonly string[], opts: ToolOptions, what: string): Promise<string> {
  const r = await runTool('git', [...GIT, ...args], opts);
  if (r.status !== 0) throw new FetchError(`${what}: git ${args.join(' ')} failed (exit ${r.status}):\n${r.output.trimEnd()}`);
  return r.output;
}

/** The commit `wanted` names in the clone, or undefined. */
export async function resolveInClone(src: GitSource, opts: ToolOptions): Promise<string | undefined> {
  if (!existsSync(src.cloneDir)) return undefined;
  const r = await runTool('git', [...GIT, 'rev-parse', '--verify', '--quiet', `${src.wanted}^{commit}`], { ...opts, cwd: src.cloneDir });
  const sha = r.output.trim();
  if (r.status !== 0 || !SHA1.test(sha)) return undefined;
  if (!src.nobranch && SHA1.test(src.wanted)) {
    const b = await runTool('git', [...GIT, 'branch', '--contains', sha, '--list', src.branch], { ...opts, cwd: src.cloneDir });
    if (b.status !== 0 || b.output.trim() === '') return undefined;
  }
  return sha;
}


/** Clones (bare, mirror) or updates `cloneDir` from `url`. */
export async function updateClone(src: GitSource, url: string, opts: ToolOptions): Promise<void> {
  if (!existsSync(join(src.cloneDir, 'HEAD'))) {
    rmSync(src.cloneDir, { recursive: true, force: true });
    mkdirSync(join(src.cloneDir, '..'), { recursive: true });
    const tmp = tempName(src.cloneDir);
    try {
      await git(['clone', '--bare', '--mirror', url, tmp], opts, src.uri.url);
      renameSync(tmp, src.cloneDir);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    return;
  }
  const refs = src.nobranch ? ['refs/*:refs/*'] : ['refs/heads/*:refs/heads/*', 'refs/tags/*:refs/tags/*'];
  await git(['fetch', '-f', url, ...refs], { ...opts, cwd: src.cloneDir }, src.uri.url);
}

/** Unpacks a `git2_*.tar.gz` mirror tarball into the clone directory. */
export async function cloneFromTarball(src: GitSource, tarball: string, opts: ToolOptions): Promise<void> {
  const tmp = tempName(src.cloneDir);
  mkdirSync(tmp, { recursive: true });
  try {
    const r = await runTool('tar', ['-xzf', tarball], { ...opts, cwd: tmp });
    if (r.status !== 0) throw new FetchError(`${tarball}: cannot unpack the git mirror tarball:\n${r.output.trimEnd()}`);
    rmSync(src.cloneDir, { recursive: true, force: true });
    renameSync(tmp, src.cloneDir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** `dir` as a tarball at `dest` whose bytes depend only on the files (BitBake's owner, the newest commit's date as mtime). */
async function packDirectory(dir: string, logArgs: readonly string[], dest: string, opts: ToolOptions, what: string): Promise<void> {
  const cwd = { ...opts, cwd: dir };
  const mtime = (await git(['log', '-1', '--format=%cD', ...logArgs], cwd, what)).trim();
  const tmp = tempName(dest);
  try {
    const r = await runTool('tar', ['-cf', tmp, '-I', 'gzip -n', '--sort=name', '--owner', 'oe:0', '--group', 'oe:0', '--mtime', mtime, '.'], cwd);
    if (r.status !== 0) throw new FetchError(`cannot write ${dest}:\n${r.output.trimEnd()}`);
    renameSync(tmp, dest);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** BB_GENERATE_MIRROR_TARBALLS: the clone as `git2_<name>.tar.gz`. */
export async function writeMirrorTarball(src: GitSource, dest: string, opts: ToolOptions): Promise<void> {
  await packDirectory(src.cloneDir, ['--all'], dest, opts, src.uri.url);
}

/**
 * A `gitshallow_*.tar.gz` of commit `rev` fetched from `from` (upstream, or the DL_DIR clone):
 * a fresh repository holding the branch (`refs/shallow/<name>` with nobranch=1) cut to the
 * spec's depth or revs and each extra ref one commit deep, its origin set to the upstream URL.
 * The reflogs and FETCH_HEAD, which hold times and paths, are left out.
 */
export async function writeShallowTarball(src: GitSource, spec: ShallowSpec, rev: string, from: string, dest: string, opts: ToolOptions): Promise<void> {
  if (spec.depth && spec.revs.length) throw new FetchError(`${src.uri.url}: BB_GIT_SHALLOW_REVS is set, but BB_GIT_SHALLOW_DEPTH is not 0`);
  const bare = src.uri.params.get('bareclone') === '1';
  const tmp = tempName(dest);
  const clone = join(tmp, 'git');
  const run = (args: readonly string[]): Promise<string> => git(args, { ...opts, cwd: clone }, src.uri.url);
  mkdirSync(clone, { recursive: true });
  try {
    await run(['init', '-q', ...(bare ? ['--bare'] : [])]);
    await run(['remote', 'add', 'origin', from]);
    await run(['fetch', '-q', 'origin', rev, ...(spec.depth ? ['--depth', String(spec.depth)] : []), ...spec.revs.map((r) => `--shallow-exclude=${r}`)]);
    const ref = src.nobranch ? `refs/shallow/${uriName(src.uri)}` : bare ? `refs/heads/${src.branch}` : `refs/remotes/origin/${src.branch}`;
    await run(['update-ref', ref, rev]);
    const remoteRefs = (await run(['ls-remote', 'origin', 'refs/*'])).split('\n').map((l) => l.split(/\s+/).pop() ?? '').filter((r) => r !== '');
    for (const extra of spec.extraRefs) {
      // As BitBake does: the pattern names the local ref, matched against the remote's names.
      const local = bare ? extra : extra.replaceAll('refs/heads/', 'refs/remotes/origin/');
      for (const r of local.includes('*') ? remoteRefs.filter((name) => refMatches(local, name)) : [local]) {
        await run(['fetch', '-q', 'origin', '--depth', '1', r.replace(/^refs\/(heads|remotes\/origin|tags)\//, '')]);
        await run(['update-ref', r, (await run(['rev-parse', 'FETCH_HEAD'])).trim()]);
      }
    }
    await run(['remote', 'set-url', 'origin', src.repoUrl]);
    const gitDir = bare ? clone : join(clone, '.git');
    for (const volatile of ['logs', 'FETCH_HEAD']) rmSync(join(gitDir, volatile), { recursive: true, force: true });
    await packDirectory(clone, [rev], dest, opts, src.uri.url);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The repository a shallow tarball holds, into `dest`. */
export async function unpackShallow(src: GitSource, tarball: string, dest: string, opts: ToolOptions): Promise<void> {
  mkdirSync(dest, { recursive: true });
  const r = await runTool('tar', ['-xzf', tarball], { ...opts, cwd: dest });
  if (r.status !== 0) throw new UnpackError(`${src.uri.url}: cannot unpack the shallow tarball ${tarball}:\n${r.output.trimEnd()}`);
}

/**
 * A checkout of `rev` in `dest` (emptied first), sharing the clone's objects as BitBake does,
 * or with `shallowTarball` the shallow clone that tarball holds:
 * `subpath=` checks out only that directory of the tree, `bareclone=1` leaves a bare clone
 * (no work tree), `nocheckout=1` a clone with nothing checked out.
 */
export async function gitCheckout(src: GitSource, rev: string, dest: string, opts: ToolOptions, shallowTarball?: string): Promise<void> {
  rmSync(dest, { recursive: true, force: true });
  const params = src.uri.params;
  const bare = params.get('bareclone') === '1';
  if (shallowTarball === undefined) {
    const r = await runTool('git', [...GIT, 'clone', '-n', '-s', ...(bare ? ['--mirror'] : []), `${src.cloneDir}/`, dest], opts);
    if (r.status !== 0) throw new UnpackError(`${src.uri.url}: cannot clone ${src.cloneDir}:\n${r.output.trimEnd()}`);
  } else await unpackShallow(src, shallowTarball, dest, opts);
  const inDest = { ...opts, cwd: dest };
  await git(['remote', 'set-url', 'origin', src.repoUrl], inDest, src.uri.url);
  if (bare || params.get('nocheckout') === '1') return;
  const subpath = params.get('subpath');
  if (subpath) {
    await git(['read-tree', `${rev}:${subpath}`], inDest, src.uri.url);
    await git(['checkout-index', '-q', '-f', '-a'], inDest, src.uri.url);
    await git(['update-ref', '--no-deref', 'HEAD', rev], inDest, src.uri.url);
    if (!src.nobranch) await git(['update-ref', `refs/heads/${src.branch}`, rev], inDest, src.uri.url);
  } else if (src.branch && !src.nobranch) await git(['checkout', '-q', '-B', src.branch, rev], inDest, src.uri.url);
  else await git(['checkout', '-q', rev], inDest, src.uri.url);
}
