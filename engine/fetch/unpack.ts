/**
 * do_unpack: each SRC_URI entry from where do_fetch left it into `${UNPACKDIR}` (plus
 * `subdir=`), as BitBake's FetchMethod.unpack decides by the file name: tarballs (plain,
 * gzip, bzip2, xz, zstd; `striplevel=` drops leading components) through the safe extractor,
 * `.zip` with unzip after its member names are checked, single `.gz`/`.bz2`/`.xz`/`.zst`
 * files decompressed, anything else (and `unpack=0`) copied. `file://dir/x` lands in
 * `dir/x`. Tarballs are extracted on worker threads (unpack-pool.ts), several at once, as
 * parallel `tar` processes would be.
 */
import { createWriteStream, existsSync, mkdirSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { asText, type DataStore } from '../metadata/datastore.js';
import { decompressed, type Compression } from './decompress.js';
import { UnpackError } from './errors.js';
import { localPath } from './file.js';
import { downloadName } from './fetcher.js';
import { gitCheckout, resolveInClone, shallowTarballPath } from './git.js';
import { unpackSubmodules } from './gitsm.js';
import { resolvedGitSource } from './srcrev.js';
import { runTool, type ToolOptions } from './run-tool.js';
import { srcUris, type SrcUri } from './src-uri.js';
import { extractInWorker } from './unpack-pool.js';
import { memberPath } from './unpack-tar.js';

export interface UnpackContext {
  readonly store: DataStore;
  readonly log: (line: string) => void;
  readonly signal: AbortSignal;
  readonly env: Readonly<Record<string, string>>;
}

/** What the file name says the file is. */
export type ArchiveKind =
  | { readonly kind: 'tar'; readonly compression: Compression | undefined }
  | { readonly kind: 'zip' }
  | { readonly kind: 'compressed'; readonly compression: Compression; readonly out: string }
  /** A .deb or .ipk: its data.tar* is what unpacks. */
  | { readonly kind: 'package' }
  | { readonly kind: 'plain' };

/** The names BitBake's FetchMethod.unpack extracts with tar (a `.taz` or `.tb2` it copies). */
const TARBALLS: ReadonlyArray<readonly [string, Compression | undefined]> = [
  ['.tar.gz', 'gzip'], ['.tgz', 'gzip'],
  ['.tar.bz2', 'bzip2'], ['.tbz', 'bzip2'], ['.tbz2', 'bzip2'],
  ['.tar.xz', 'xz'], ['.txz', 'xz'],
  ['.tar.zst', 'zstd'], ['.tzst', 'zstd'],
  ['.tar.Z', 'compress'],
  ['.tar', undefined],
];
const SINGLE: ReadonlyArray<readonly [string, Compression]> = [['.gz', 'gzip'], ['.bz2', 'bzip2'], ['.xz', 'xz'], ['.zst', 'zstd'], ['.Z', 'compress']];

export function archiveKind(name: string): ArchiveKind {
  for (const [ext, compression] of TARBALLS) if (name.endsWith(ext)) return { kind: 'tar', compression };
  if (name.endsWith('.zip') || name.endsWith('.jar')) return { kind: 'zip' };
  for (const [ext, compression] of SINGLE) if (name.endsWith(ext)) return { kind: 'compressed', compression, out: basename(name).slice(0, -ext.length) };
  if (name.endsWith('.deb') || name.endsWith('.ipk')) return { kind: 'package' };
  return { kind: 'plain' };
}

/** A boolean parameter (`unpack=`, `dos=`) as BitBake reads it (bb.utils.to_boolean): unset or empty is `dflt`, an unknown word an error. */
function boolParam(u: SrcUri, name: string, dflt: boolean): boolean {
  const v = (u.params.get(name) ?? '').toLowerCase();
  if (v === '') return dflt;
  if (['y', 'yes', '1', 'true'].includes(v)) return true;
  if (['n', 'no', '0', 'false'].includes(v)) return false;
  throw new UnpackError(`invalid value for the '${name}' parameter of ${u.url}: ${u.params.get(name) ?? ''}`, undefined, `use ${name}=0 or ${name}=1`);
}

/**
 * `striplevel=` for the entries tar extracts. BitBake hands the value to tar's
 * --strip-components as written, so anything but a decimal count (an empty value too) fails.
 */
function stripLevel(u: SrcUri): number {
  const v = u.params.get('striplevel');
  if (v === undefined) return 0;
  if (!/^\d+$/.test(v)) throw new UnpackError(`invalid value for the 'striplevel' parameter of ${u.url}: '${v}'`, undefined, 'use a number of leading path components');
  return Number.parseInt(v, 10);
}

/**
 * Where an entry goes: UNPACKDIR, or `subdir=` below it. As in BitBake, an absolute subdir=
 * must lie inside UNPACKDIR, while a relative one is joined as written (`../x` is allowed).
 */
function destination(u: SrcUri, unpackdir: string): string {
  const subdir = u.params.get('subdir');
  if (!subdir) return unpackdir;
  const dest = resolve(unpackdir, subdir);
  if (subdir.startsWith('/') && dest !== unpackdir && !dest.startsWith(`${unpackdir}/`)) throw new UnpackError(`${u.url}: subdir '${subdir}' is not inside the unpack directory ${unpackdir}`);
  return dest;
}

/** Where a git checkout goes without destsuffix=: nowhere deeper with subdir=, else subpath='s last directory, else BB_GIT_DEFAULT_DESTSUFFIX. */
function gitDefaultSuffix(u: SrcUri, store: DataStore): string {
  if (u.params.has('subdir')) return '';
  const subpath = u.params.get('subpath')?.replace(/\/+$/, '');
  if (subpath) return `${basename(subpath)}/`;
  return `${asText(store.getVar('BB_GIT_DEFAULT_DESTSUFFIX')) || 'git'}/`;
}

export async function unpackAll(ctx: UnpackContext): Promise<void> {
  const unpackdir = resolve(asText(ctx.store.getVar('UNPACKDIR')) || asText(ctx.store.getVar('WORKDIR')));
  mkdirSync(unpackdir, { recursive: true });
  const tools: ToolOptions = { env: ctx.env, signal: ctx.signal };
  const dlDir = asText(ctx.store.getVar('DL_DIR'));
  for (const u of srcUris(asText(ctx.store.getVar('SRC_URI')))) {
    const dest = destination(u, unpackdir);
    // A git checkout makes its own directory, which an absolute destsuffix= may put outside subdir=.
    if (u.type === 'git' || u.type === 'gitsm') {
      const src = resolvedGitSource(u, ctx.store, dlDir);
      // A clone that has the revision comes first, then the shallow tarball (BB_GIT_SHALLOW).
      const rev = await resolveInClone(src, tools);
      const shallow = rev === undefined ? shallowTarballPath(src, dlDir) : undefined;
      const tarball = shallow !== undefined && existsSync(shallow) ? shallow : undefined;
      if (!rev && !tarball) throw new UnpackError(`${u.url}: revision ${src.wanted} is not in ${src.cloneDir}${shallow ? ` and there is no ${shallow}` : ''}`, undefined, 'run do_fetch first');
      const commit = rev ?? src.wanted;
      const suffix = u.params.get('destsuffix') ?? gitDefaultSuffix(u, ctx.store);
      // An absolute destsuffix= stands alone, as in BitBake's os.path.join.
      const checkout = resolve(dest, suffix);
      await gitCheckout(src, commit, checkout, tools, tarball);
      if (u.type === 'gitsm') await unpackSubmodules(src, commit, checkout, ctx.store, dlDir, tools);
      ctx.log(`NOTE: ${u.url}: checked out ${commit} in ${checkout}`);
      continue;
    }
    mkdirSync(dest, { recursive: true });
    const file = u.type === 'file' ? localPath(u, ctx.store) : join(dlDir, downloadName(u));
    if (!existsSync(file)) throw new UnpackError(`${u.url}: ${file} does not exist`, undefined, 'run do_fetch first');
    await unpackFile(u, file, { unpackdir, dest }, ctx, tools);
  }
}

/** UNPACKDIR, and where the entry goes in it (`subdir=`). */
interface Destination {
  readonly unpackdir: string;
  readonly dest: string;
}

async function unpackFile(u: SrcUri, file: string, { unpackdir, dest }: Destination, ctx: UnpackContext, tools: ToolOptions): Promise<void> {
  const kind = boolParam(u, 'unpack', true) ? archiveKind(file) : ({ kind: 'plain' } as const);
  switch (kind.kind) {
    case 'tar': {
      await extractInWorker({ file, root: dest, compression: kind.compression, strip: stripLevel(u), env: tools.env }, tools.signal);
      break;
    }
    case 'zip':
      await unzip(file, dest, boolParam(u, 'dos', false), tools);
      break;
    case 'package':
      await unpackPackage(u, file, dest, stripLevel(u), tools);
      break;
    case 'compressed': {
      // BitBake decompresses a single file into UNPACKDIR itself, whatever subdir= says.
      const input = decompressed(kind.compression, file, tools);
      await Promise.all([pipeline(input.stream, createWriteStream(join(unpackdir, kind.out))), input.done]);
      break;
    }
    case 'plain': {
      // file://dir/x keeps its directories below the destination, as in BitBake; so does an
      // absolute file:///a/b/x (in a/b/). Like BitBake's cp, only timestamps are kept: the
      // copies' modes are the umask's, not the layer checkout's.
      const rel = u.type === 'file' ? u.path.replace(/\/+$/, '').replace(/^\/+/, '') : '';
      const sub = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
      const target = join(dest, sub);
      mkdirSync(target, { recursive: true });
      const r = await runTool('cp', ['-fPRH', '--preserve=timestamps', file, `${target}/`], tools);
      if (r.status !== 0) throw new UnpackError(`${u.url}: cannot copy ${file} to ${target}:\n${r.output.trimEnd()}`);
      break;
    }
    default: {
      const never: never = kind;
      throw new Error(`unreachable: ${String(never)}`);
    }
  }
  ctx.log(`NOTE: unpacked ${basename(file)} into ${dest}`);
}

/** unzip (`-a`, converting text files' line ends, for `dos=1`), after checking every member name as the tar extractor does. */
async function unzip(file: string, dest: string, dos: boolean, tools: ToolOptions): Promise<void> {
  const list = await runTool('unzip', ['-Z1', file], tools);
  if (list.status !== 0) throw new UnpackError(`${basename(file)}: cannot read the zip archive:\n${list.output.trimEnd()}`);
  for (const name of list.output.split('\n')) if (name) memberPath(basename(file), name, 0);
  const r = await runTool('unzip', ['-q', '-o', ...(dos ? ['-a'] : []), file, '-d', dest], tools);
  if (r.status !== 0) throw new UnpackError(`${basename(file)}: unzip failed (exit ${r.status}):\n${r.output.trimEnd()}`);
}

/** A .deb or .ipk as BitBake unpacks one: its first data.tar* member, extracted (`striplevel=` too), then removed. */
async function unpackPackage(u: SrcUri, file: string, dest: string, strip: number, tools: ToolOptions): Promise<void> {
  const list = await runTool('ar', ['t', file], tools);
  if (list.status !== 0) throw new UnpackError(`${u.url}: cannot unpack the deb/ipk package ${basename(file)}: ar could not list it:\n${list.output.trimEnd()}`);
  const data = list.output.split('\n').find((m) => m.startsWith('data.tar.') || m === 'data.tar');
  if (data === undefined) throw new UnpackError(`${u.url}: cannot unpack the deb/ipk package ${basename(file)}: it holds no data.tar* member`);
  const member = join(dest, data);
  try {
    const r = await runTool('ar', ['x', file, data], { ...tools, cwd: dest });
    if (r.status !== 0) throw new UnpackError(`${u.url}: ar x ${basename(file)} ${data} failed:\n${r.output.trimEnd()}`);
    const kind = archiveKind(data);
    await extractInWorker({ file: member, root: dest, compression: kind.kind === 'tar' ? kind.compression : undefined, strip, env: tools.env }, tools.signal);
  } finally {
    rmSync(member, { force: true });
  }
}

