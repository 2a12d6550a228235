/**
 * do_fetch: every SRC_URI entry into DL_DIR, as BitBake's Fetch.download does it. A remote
 * file is current when it and its `.done` stamp exist and its checksums match SRC_URI; else
 * PREMIRRORS are tried, then upstream (unless BB_FETCH_PREMIRRORONLY), then MIRRORS. Each
 * attempt downloads into a temporary file that is checked and only then renamed into place
 * and stamped, so an interrupted or corrupt download is never trusted. BB_NO_NETWORK allows
 * only DL_DIR, `file://` entries and `file://` mirrors; BB_ALLOWED_NETWORKS limits the hosts.
 */
import { existsSync, lstatSync, mkdirSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { tempName, writeFileAtomic } from '../core/fs.js';
import { asText, type DataStore } from '../metadata/datastore.js';
import { checksumHasher, computeChecksums, doneStampBytes, expectedChecksums, neededIds, readDoneStamp, strictChecksum, verifyChecksums, withGoh1, type Checksums, type StrictChecksum } from './checksums.js';
import { withDownloadLock } from './download-lock.js';
import { ChecksumError, FetchError, NetworkAccessError } from './errors.js';
import { localPath } from './file.js';
import { cloneFromTarball, gitSrcName, resolveInClone, shallowTarballPath, updateClone, writeMirrorTarball, writeShallowTarball, type GitSource } from './git.js';
import { httpDownload } from './http.js';
import { mirrorPairs, mirrorUrls, trustedNetwork, type MirrorPair, type ReplaceContext } from './mirrors.js';
import type { ToolOptions } from './run-tool.js';
import { submodules } from './gitsm.js';
import { resolvedGitSource } from './srcrev.js';
import { decodeUrl, requestUrl, srcUris, type SrcUri } from './src-uri.js';

export interface FetchSettings {
  readonly dlDir: string;
  readonly noNetwork: boolean;
  readonly premirrorOnly: boolean;
  readonly allowedNetworks: string | undefined;
  readonly premirrors: readonly MirrorPair[];
  readonly mirrors: readonly MirrorPair[];
  readonly strict: StrictChecksum;
  readonly mirrorTarballs: boolean;
  /** BB_GENERATE_SHALLOW_TARBALLS (defaulting to BB_GENERATE_MIRROR_TARBALLS): shallow tarballs made from a full clone too. */
  readonly shallowTarballs: boolean;
  readonly caFile: string | undefined;
  readonly checkCerts: boolean;
}

export interface FetchContext {
  readonly settings: FetchSettings;
  readonly store: DataStore;
  readonly log: (line: string) => void;
  /** How far a large download has got, 0-100 (the live view's bar). */
  readonly progress: (percent: number) => void;
  readonly signal: AbortSignal;
  /** The environment for host tools (git, tar). */
  readonly env: Readonly<Record<string, string>>;
}

const truthy = (v: string): boolean => ['1', 'yes', 'y', 'true', 'on'].includes(v.toLowerCase());

export function fetchSettings(store: DataStore, env: Readonly<Record<string, string>>): FetchSettings {
  const text = (name: string): string => asText(store.getVar(name));
  const pn = text('PN');
  const allowed = asText(store.getVarFlag('BB_ALLOWED_NETWORKS', pn, false)) || text('BB_ALLOWED_NETWORKS');
  return {
    dlDir: text('DL_DIR'),
    noNetwork: truthy(text('BB_NO_NETWORK')),
    premirrorOnly: truthy(text('BB_FETCH_PREMIRRORONLY')),
    allowedNetworks: allowed || undefined,
    premirrors: mirrorPairs(text('PREMIRRORS')),
    mirrors: mirrorPairs(text('MIRRORS')),
    strict: strictChecksum(text('BB_STRICT_CHECKSUM') || undefined),
    mirrorTarballs: (text('BB_GENERATE_MIRROR_TARBALLS') || '0') !== '0',
    shallowTarballs: (text('BB_GENERATE_SHALLOW_TARBALLS') || text('BB_GENERATE_MIRROR_TARBALLS') || '0') !== '0',
    caFile: text('SSL_CERT_FILE') || env['SSL_CERT_FILE'] || undefined,
    checkCerts: (text('BB_CHECK_SSL_CERTS') || '1') !== '0',
  };
}

/** The name a remote file has in DL_DIR: `downloadfilename=`, else the URL's base name. */
export function downloadName(u: SrcUri): string {
  const name = u.params.get('downloadfilename') ?? basename(u.path);
  return name || u.host + u.path.replaceAll('/', '.');
}

/** Fetches every SRC_URI entry. */
export async function fetchAll(ctx: FetchContext): Promise<void> {
  for (const u of srcUris(asText(ctx.store.getVar('SRC_URI')))) await fetchOne(u, ctx);
}

async function fetchOne(u: SrcUri, ctx: FetchContext): Promise<void> {
  switch (u.type) {
    case 'file':
      localPath(u, ctx.store);
      return;
    case 'http':
    case 'https':
      return fetchFile(u, ctx);
    case 'git':
    case 'gitsm':
      return fetchGit(u, ctx);
    default:
      throw new FetchError(`${u.url}: tsbake has no fetcher for '${u.type}://' URLs`, undefined, 'use file://, http(s):// or git://');
  }
}

/** Why one source did not deliver; the final error lists them all. */
interface Attempt {
  readonly url: string;
  readonly reason: string;
  readonly network: boolean;
}

function noSource(u: SrcUri, expected: string, attempts: readonly Attempt[], ctx: FetchContext, firstError: unknown): Error {
  const tried = attempts.filter((a) => !a.network).map((a) => `${a.url}: ${a.reason}`);
  if (ctx.settings.noNetwork && attempts.some((a) => a.network)) {
    const why = ctx.settings.premirrorOnly ? 'BB_NO_NETWORK (or BB_FETCH_PREMIRRORONLY)' : 'BB_NO_NETWORK';
    const local = tried.length ? `; the local sources tried:\n    ${tried.join('\n    ')}` : '';
    return new NetworkAccessError(`network access disabled through ${why}, but ${u.url} is not in DL_DIR: expected ${expected}${local}`, undefined, 'fetch it once with the network on (tsbake --runall=fetch TARGET), or add a file:// mirror');
  }
  if (firstError instanceof ChecksumError && attempts.length === 1) return firstError;
  const lines = attempts.map((a) => `${a.url}: ${a.reason}`);
  return new FetchError(`unable to fetch ${u.url} from any source:\n    ${lines.join('\n    ')}`, undefined, `expected the download at ${expected}`);
}

/** The candidate URLs in BitBake's order: PREMIRRORS, upstream (unless premirror-only), MIRRORS. */
function candidates(u: SrcUri, ctx: FetchContext, names: ReplaceContext): Array<{ url: string; premirror: boolean }> {
  const pre = mirrorUrls(u, ctx.settings.premirrors, names).map((url) => ({ url, premirror: true }));
  const post = mirrorUrls(u, ctx.settings.mirrors, names).map((url) => ({ url, premirror: false }));
  return [...pre, { url: u.url, premirror: false }, ...post];
}

/**
 * The first candidate (PREMIRRORS, upstream, MIRRORS) for which `attempt` succeeds. Refused
 * and failed candidates make the final error; a `fatal` failure ends the search at once.
 */
async function firstSource<T>(
  u: SrcUri,
  ctx: FetchContext,
  names: ReplaceContext,
  expected: string,
  local: (c: SrcUri) => boolean,
  fatal: (e: unknown) => boolean,
  attempt: (c: SrcUri, url: string) => Promise<T>,
): Promise<T> {
  const attempts: Attempt[] = [];
  let firstError: unknown;
  for (const c of candidates(u, ctx, names)) {
    const cu = decodeUrl(c.url);
    const why = refused(cu, local(cu), c.premirror, ctx);
    if (why) {
      attempts.push({ url: c.url, reason: why, network: true });
      continue;
    }
    try {
      return await attempt(cu, c.url);
    } catch (e) {
      if (fatal(e) || ctx.signal.aborted) throw e;
      firstError ??= e;
      const reason = e instanceof Error ? e.message : String(e);
      attempts.push({ url: c.url, reason, network: false });
      ctx.log(`WARNING: ${c.url}: ${reason}`);
    }
  }
  throw noSource(u, expected, attempts, ctx, firstError);
}

/** Whether `c` may be tried; undefined when it may, else why not. */
function refused(c: SrcUri, local: boolean, premirror: boolean, ctx: FetchContext): string | undefined {
  if (local) return undefined;
  if (ctx.settings.noNetwork) return 'network access disabled (BB_NO_NETWORK)';
  if (ctx.settings.premirrorOnly && !premirror) return 'BB_FETCH_PREMIRRORONLY is set';
  if (!trustedNetwork(c, ctx.settings.allowedNetworks)) return `${c.host} is not in BB_ALLOWED_NETWORKS`;
  return undefined;
}

function isLocal(c: SrcUri): boolean {
  return c.type === 'file' || ((c.type === 'git' || c.type === 'gitsm') && (c.params.get('protocol') ?? (c.host ? 'git' : 'file')) === 'file');
}

/** Points `link` at `target` (a file:// mirror), replacing an older link. */
function linkTo(target: string, link: string): void {
  try {
    if (lstatSync(link).isSymbolicLink() && readlinkSync(link) === target) return;
    rmSync(link, { force: true });
  } catch {
    // nothing there
  }
  symlinkSync(target, link);
}

// ---- plain files ------------------------------------------------------------------------

async function fetchFile(u: SrcUri, ctx: FetchContext): Promise<void> {
  const name = downloadName(u);
  const dest = join(ctx.settings.dlDir, name);
  const expected = expectedChecksums(u, ctx.store);
  const needed = neededIds(expected);
  mkdirSync(ctx.settings.dlDir, { recursive: true });
  const verify = (file: string, sums: Checksums): void => verifyChecksums(u, file, sums, expected, ctx.settings.strict, (m) => ctx.log(`WARNING: ${m}`));
  // Without a checksum in SRC_URI, a ChecksumError is about the recipe, not the download.
  const noChecksum = expected.every((x) => x.value === undefined);
  await withDownloadLock(dest, ctx.signal, ctx.log, async () => {
    // A download without its stamp (copied in by hand) is checked and stamped, as BitBake does.
    if (existsSync(dest)) {
      const stamp = `${dest}.done`;
      const stamped = existsSync(stamp) ? readDoneStamp(stamp, dest) : {};
      const sums = needed.every((id) => stamped[id] !== undefined) && stamped.sha256 ? stamped : await computeChecksums(dest, ctx.signal);
      try {
        verify(dest, sums);
        if (!existsSync(stamp)) writeFileAtomic(stamp, doneStampBytes(sums));
        return;
      } catch (e) {
        if (!(e instanceof ChecksumError) || noChecksum) throw e;
        ctx.log(`WARNING: ${dest} does not match SRC_URI's checksum; fetching it again`);
        renameSync(dest, `${dest}_bad-checksum_${sums.sha256 ?? ''}`);
        rmSync(`${dest}.done`, { force: true });
      }
    }
    const recipeError = (e: unknown): boolean => noChecksum && e instanceof ChecksumError;
    // A mirror is asked for the download's file name, not a downloadfilename= directory (BitBake's basename of localpath).
    await firstSource(u, ctx, { localName: basename(name), mirrorTarball: undefined }, dest, (c) => c.type === 'file', recipeError, async (c, url) => {
      const sums = await tryFile(c, dest, ctx, verify);
      writeFileAtomic(`${dest}.done`, doneStampBytes(sums));
      ctx.log(`NOTE: fetched ${u.url}${url === u.url ? '' : ` from ${url}`} into ${dest}`);
    });
  });
}

/** One source for a plain file: a local mirror file is linked, a remote one downloaded via a temp file. */
async function tryFile(c: SrcUri, dest: string, ctx: FetchContext, verify: (file: string, sums: Checksums) => void): Promise<Checksums> {
  if (c.type === 'file') {
    if (!existsSync(c.path) || !statSync(c.path).isFile()) throw new FetchError(`${c.path} does not exist`);
    const sums = await computeChecksums(c.path, ctx.signal);
    try {
      verify(c.path, sums);
    } catch (e) {
      // BitBake links the mirror file in, then renames the link aside when its checksum fails.
      if (e instanceof ChecksumError) linkTo(c.path, `${dest}_bad-checksum_${sums.sha256 ?? ''}`);
      throw e;
    }
    linkTo(c.path, dest);
    return sums;
  }
  if (c.type !== 'http' && c.type !== 'https') throw new FetchError(`mirror URL type '${c.type}' is not supported for files`);
  const tmp = tempName(dest);
  try {
    let percent = 0;
    const hasher = checksumHasher();
    await httpDownload(requestUrl(c), tmp, {
      caFile: ctx.settings.caFile,
      checkCerts: ctx.settings.checkCerts,
      signal: ctx.signal,
      tap: hasher.update,
      progress: (got, total) => {
        if (total === undefined || total < PROGRESS_MIN) return;
        const now = Math.floor((got * 100) / total);
        if (now === percent) return;
        ctx.progress(now);
        // The log gets every tenth.
        if (Math.floor(now / 10) > Math.floor(percent / 10)) ctx.log(`NOTE: ${basename(dest)}: ${Math.floor(now / 10) * 10}% of ${total} bytes`);
        percent = now;
      },
    });
    const sums = withGoh1(tmp, hasher.digest());
    verify(`${dest} (downloaded from ${c.url})`, sums);
    renameSync(tmp, dest);
    return sums;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Downloads at least this large log their progress. */
const PROGRESS_MIN = 1 << 20;

// ---- git --------------------------------------------------------------------------------

async function fetchGit(u: SrcUri, ctx: FetchContext): Promise<void> {
  const src = resolvedGitSource(u, ctx.store, ctx.settings.dlDir);
  mkdirSync(ctx.settings.dlDir, { recursive: true });
  const rev = await fetchClone(src, ctx);
  if (u.type === 'gitsm') await fetchSubmodules(src, rev, ctx);
}

/** Every submodule of `parent` at `rev`, recursively, into a clone of its own. */
async function fetchSubmodules(parent: GitSource, rev: string, ctx: FetchContext): Promise<void> {
  for (const m of await submodules(parent, rev, ctx.store, ctx.settings.dlDir, { env: ctx.env, signal: ctx.signal })) {
    ctx.log(`NOTE: ${parent.uri.url}: submodule ${m.name} (${m.path}) is ${m.source.uri.url}`);
    await fetchSubmodules(m.source, await fetchClone(m.source, ctx), ctx);
  }
}

/** Makes the DL_DIR clone of `src` hold its revision; returns the commit. */
async function fetchClone(src: GitSource, ctx: FetchContext): Promise<string> {
  const u = src.uri;
  const tools: ToolOptions = { env: ctx.env, signal: ctx.signal };
  const fullMirror = join(ctx.settings.dlDir, src.mirrorTarball);
  return withDownloadLock(src.cloneDir, ctx.signal, ctx.log, async () => {
    const shallow = await fetchShallow(src, ctx, tools);
    if (shallow !== undefined) return shallow;
    if (!existsSync(src.cloneDir) && existsSync(fullMirror)) await cloneFromTarball(src, fullMirror, tools);
    const from = (await resolveInClone(src, tools)) === undefined ? await updateGit(u, src, ctx, tools) : 'dl_dir';
    const rev = await resolveInClone(src, tools);
    if (!rev) throw new FetchError(`unable to find revision ${src.wanted} in ${src.nobranch ? 'the repository' : `branch ${src.branch}`} of ${u.url}, even from upstream`);
    ctx.log(`NOTE: ${u.url}: using ${rev}${rev === src.wanted ? '' : ` (${src.wanted})`}`);
    writeFileAtomic(`${src.cloneDir}.done`, doneStampBytes({}));
    // A clone that moved on makes the old mirror tarball stale (BitBake removes it too).
    if (from === 'remote') rmSync(fullMirror, { force: true });
    const fullShallow = shallowTarballPath(src, ctx.settings.dlDir);
    if (src.shallow && fullShallow !== undefined && ctx.settings.shallowTarballs) {
      if (!existsSync(fullShallow)) {
        await writeShallowTarball(src, src.shallow, rev, src.cloneDir, fullShallow, tools);
        writeFileAtomic(`${fullShallow}.done`, '');
      }
    } else if (ctx.settings.mirrorTarballs && !existsSync(fullMirror)) {
      await writeMirrorTarball(src, fullMirror, tools);
      writeFileAtomic(`${fullMirror}.done`, '');
    }
    return rev;
  });
}

/**
 * BB_GIT_SHALLOW's fast path: without a clone that has the revision, its shallow tarball is
 * enough, from DL_DIR, a mirror, or made straight from upstream (when there is no clone at
 * all), and no clone is kept. Returns the commit, or undefined when the full clone is to be
 * used (as BitBake falls back to it when the fast path fails).
 */
async function fetchShallow(src: GitSource, ctx: FetchContext, tools: ToolOptions): Promise<string | undefined> {
  const spec = src.shallow;
  const dest = shallowTarballPath(src, ctx.settings.dlDir);
  if (!spec || dest === undefined || (await resolveInClone(src, tools)) !== undefined) return undefined;
  if (!existsSync(dest)) {
    if (existsSync(src.cloneDir)) return undefined;
    try {
      await firstSource(src.uri, ctx, { localName: undefined, mirrorTarball: basename(dest) }, dest, isLocal, () => false, async (c) => {
        if (c.type !== 'git' && c.type !== 'gitsm') return mirrorTarballFrom(c, basename(dest), ctx);
        await writeShallowTarball(src, spec, src.wanted, gitUrl(c), dest, tools);
        writeFileAtomic(`${dest}.done`, '');
        return dest;
      });
    } catch (e) {
      if (ctx.signal.aborted) throw e;
      ctx.log(`WARNING: ${src.uri.url}: no shallow tarball (${e instanceof Error ? e.message : String(e)}); making a full clone`);
      return undefined;
    }
  }
  mkdirSync(dirname(src.cloneDir), { recursive: true });
  writeFileAtomic(`${src.cloneDir}.done`, doneStampBytes({}));
  ctx.log(`NOTE: ${src.uri.url}: using ${src.wanted} from the shallow tarball ${dest}`);
  return src.wanted;
}

/** The URL git is given for a git candidate: a path for the file protocol. */
function gitUrl(c: SrcUri): string {
  const proto = c.params.get('protocol') ?? (c.host ? 'git' : 'file');
  return proto === 'file' ? c.path : `${proto}://${c.host}${c.path}`;
}

/** Brings the clone up to date from the first source that has the revision; says which kind it was. */
async function updateGit(u: SrcUri, src: GitSource, ctx: FetchContext, tools: ToolOptions): Promise<'remote' | 'tarball'> {
  return firstSource(u, ctx, { localName: undefined, mirrorTarball: src.mirrorTarball }, src.cloneDir, isLocal, () => false, async (c) => {
    const remote = c.type === 'git' || c.type === 'gitsm';
    if (remote) {
      const url = gitUrl(c);
      if (c.url === u.url || existsSync(src.cloneDir)) await updateClone(src, url, tools);
      else {
        // A git mirror gets a clone under its own name, which the original's name links to (as in BitBake).
        const mirror: GitSource = { ...src, uri: c, srcName: gitSrcName(c), cloneDir: join(dirname(src.cloneDir), gitSrcName(c)) };
        await updateClone(mirror, url, tools);
        symlinkSync(mirror.cloneDir, src.cloneDir);
      }
    } else {
      await cloneFromTarball(src, await mirrorTarballFrom(c, src.mirrorTarball, ctx), tools);
    }
    if ((await resolveInClone(src, tools)) === undefined) throw new FetchError(`revision ${src.wanted} is not there`);
    return remote ? 'remote' : 'tarball';
  });
}

/**
 * A git mirror (or shallow) tarball offered by a mirror, into DL_DIR as BitBake leaves it: a local file
 * linked to (an existing one is kept), a remote one downloaded and stamped with an empty `.done`.
 */
async function mirrorTarballFrom(c: SrcUri, name: string, ctx: FetchContext): Promise<string> {
  const dest = join(ctx.settings.dlDir, name);
  if (c.type === 'file') {
    if (!existsSync(c.path)) throw new FetchError(`${c.path} does not exist`);
    if (!existsSync(dest)) linkTo(c.path, dest);
    return c.path;
  }
  if (c.type !== 'http' && c.type !== 'https') throw new FetchError(`mirror URL type '${c.type}' is not supported for git`);
  const tmp = tempName(dest);
  try {
    await httpDownload(requestUrl(c), tmp, { caFile: ctx.settings.caFile, checkCerts: ctx.settings.checkCerts, signal: ctx.signal });
    renameSync(tmp, dest);
  } finally {
    rmSync(tmp, { force: true });
  }
  writeFileAtomic(`${dest}.done`, '');
  return dest;
}
