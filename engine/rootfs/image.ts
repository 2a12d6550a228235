/**
 * Image files from a finished rootfs (do_image): one file per IMAGE_FSTYPES entry, plus the
 * manifest and testdata, each named `<link name>-<timestamp>.<type>` with a stable symlink
 * `<link name>.<type>`. The same rootfs gives byte-identical files: every mtime is clamped to
 * SOURCE_DATE_EPOCH first, archives are sorted by name, gzip has no name or time, ext4 gets a
 * UUID and hash seed derived from the image name and a fake creation time.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, lstatSync, lutimesSync, readdirSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { byteCompare } from '../core/byte-order.js';
import { TsbakeError } from '../core/errors.js';
import { ensureDir, tempName, writeFileAtomic } from '../core/fs.js';
import { spawnInGroup } from '../core/proc.js';

export class ImageError extends TsbakeError {
  readonly code = 'E_IMAGE';
}

export const IMAGE_TYPES = ['tar', 'tar.gz', 'tar.xz', 'tar.zst', 'ext4', 'cpio', 'cpio.gz'] as const;
export type ImageType = (typeof IMAGE_TYPES)[number];

export interface ImageRequest {
  readonly rootfs: string;
  /** Where the files go (IMGDEPLOYDIR; sstate moves them to DEPLOY_DIR_IMAGE). */
  readonly outDir: string;
  /** `core-minimal-qemux86-64.rootfs`: the stable (symlink) name without the type. */
  readonly linkName: string;
  /** `20261206031500`: makes each build's files distinct. */
  readonly timestamp: string;
  readonly types: readonly string[];
  readonly sourceDateEpoch: number;
  /** ext4 size: rootfs size × IMAGE_OVERHEAD_FACTOR + IMAGE_ROOTFS_EXTRA_SPACE (KiB). */
  readonly overheadFactor: number;
  readonly extraSpaceKiB: number;
  readonly env: Readonly<Record<string, string>>;
}

export interface ImageFile {
  readonly type: string;
  readonly path: string;
  readonly link: string;
  readonly size: number;
}

export function checkImageTypes(types: readonly string[]): ImageType[] {
  const known = new Set<string>(IMAGE_TYPES);
  const bad = types.filter((t) => !known.has(t));
  if (bad.length > 0) throw new ImageError(`unsupported IMAGE_FSTYPES: ${bad.join(' ')}`, undefined, `supported: ${IMAGE_TYPES.join(' ')}`);
  return types.filter((t): t is ImageType => known.has(t));
}

export interface RootfsTree {
  /** Every path in the rootfs, `/` first, absolute in the target. */
  readonly paths: readonly string[];
  /** The regular files' bytes. */
  readonly bytes: number;
}

/**
 * Every mtime newer than SOURCE_DATE_EPOCH is set to it (scripts and databases wrote files
 * just now).
 */
export function clampTimes(root: string, epoch: number): RootfsTree {
  let bytes = 0;
  const paths = ['/'];
  const clamp = (host: string, mtimeMs: number): void => {
    const m = Math.min(mtimeMs / 1000, epoch);
    lutimesSync(host, epoch, m);
  };
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir).sort(byteCompare)) {
      const p = join(dir, name);
      const st = lstatSync(p);
      paths.push(`${rel}/${name}`);
      if (st.isDirectory()) walk(p, `${rel}/${name}`);
      else if (st.isFile()) bytes += st.size;
      clamp(p, st.mtimeMs);
    }
  };
  walk(root, '');
  clamp(root, statSync(root).mtimeMs);
  return { paths, bytes };
}

type Command = readonly [cmd: string, args: readonly string[]];

/** Runs `commands` as a shell pipeline would, the last one's stdout into `out` (atomically). */
async function pipeToFile(commands: readonly Command[], out: string, env: Readonly<Record<string, string>>, cwd: string): Promise<void> {
  const tmp = tempName(out);
  const sink = createWriteStream(tmp);
  const exits: Array<Promise<void>> = [];
  let input: Readable | undefined;
  for (const [cmd, args] of commands) {
    const child = spawnInGroup(cmd, args, { cwd, env, stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    if (input && child.stdin) input.pipe(child.stdin);
    const err: Buffer[] = [];
    child.stderr?.on('data', (c: Buffer) => err.push(c));
    exits.push(
      new Promise((resolve, reject) => {
        child.on('error', reject);
        child.on('close', (code) => (code === 0 ? resolve() : reject(new ImageError(`${cmd} ${args.join(' ')} failed (exit code ${String(code)}): ${Buffer.concat(err).toString('utf8').trim()}`))));
      }),
    );
    input = child.stdout ?? undefined;
  }
  const written = new Promise<void>((resolve, reject) => {
    sink.on('finish', resolve);
    sink.on('error', reject);
  });
  input?.pipe(sink);
  try {
    await Promise.all([...exits, written]);
    renameSync(tmp, out);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

const isRoot = process.getuid?.() === 0;

function tarCommand(epoch: number): Command {
  // Not root: the files belong to the builder, so the image says root:root for everything.
  const owners = isRoot ? ['--numeric-owner'] : ['--numeric-owner', '--owner=0', '--group=0'];
  return ['tar', ['--sort=name', '--format=gnu', `--mtime=@${epoch}`, '--clamp-mtime', ...owners, '-cf', '-', '.']];
}

const COMPRESSORS: Readonly<Record<string, Command>> = {
  gz: ['gzip', ['-n', '-9', '-c']],
  xz: ['xz', ['-T1', '-c']],
  zst: ['zstd', ['-q', '-c', '-19']],
};

/** A UUID (RFC 4122 layout) from the image name, so two builds of one image agree. */
function stableUuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * mke2fs -d copies each file's ctime, which nobody can set on the host, and its atime, which
 * reading the rootfs for the other image types just changed; debugfs sets both to
 * SOURCE_DATE_EPOCH in the image, in one process.
 */
async function fixInodeTimes(req: ImageRequest, image: string, tree: RootfsTree, env: Readonly<Record<string, string>>): Promise<void> {
  const quote = (p: string): string => `"${p.replace(/(["\\])/g, '\\$1')}"`;
  const cmds = tree.paths.map((p) => `sif ${quote(p)} ctime @${req.sourceDateEpoch}\nsif ${quote(p)} atime @${req.sourceDateEpoch}\n`).join('');
  const cmdFile = `${image}.debugfs`;
  writeFileAtomic(cmdFile, cmds);
  try {
    await pipeToFile([['debugfs', ['-w', '-f', cmdFile, image]]], `${image}.log`, env, req.outDir);
  } finally {
    rmSync(cmdFile, { force: true });
    rmSync(`${image}.log`, { force: true });
  }
}

async function writeExt4(req: ImageRequest, out: string, tree: RootfsTree): Promise<void> {
  const kib = Math.ceil((tree.bytes / 1024) * req.overheadFactor) + req.extraSpaceKiB;
  const uuid = stableUuid(req.linkName);
  const env = { ...req.env, E2FSPROGS_FAKE_TIME: String(req.sourceDateEpoch), SOURCE_DATE_EPOCH: String(req.sourceDateEpoch) };
  const tmp = tempName(out);
  try {
    await pipeToFile([['mke2fs', ['-q', '-F', '-t', 'ext4', '-b', '4096', '-i', '4096', '-U', uuid, '-E', `hash_seed=${uuid},lazy_itable_init=0,nodiscard`, '-d', req.rootfs, tmp, `${Math.max(kib, 8192)}K`]]], `${tmp}.log`, env, req.outDir);
    await fixInodeTimes(req, tmp, tree, env);
    renameSync(tmp, out);
  } finally {
    rmSync(tmp, { force: true });
    rmSync(`${tmp}.log`, { force: true });
  }
}

async function writeOne(req: ImageRequest, type: ImageType, out: string, tree: RootfsTree): Promise<void> {
  const env = { ...req.env, LC_ALL: 'C' };
  switch (type) {
    case 'tar':
      return pipeToFile([tarCommand(req.sourceDateEpoch)], out, env, req.rootfs);
    case 'tar.gz':
    case 'tar.xz':
    case 'tar.zst':
      return pipeToFile([tarCommand(req.sourceDateEpoch), COMPRESSORS[type.slice(4)] ?? ['false', []]], out, env, req.rootfs);
    case 'cpio':
    case 'cpio.gz': {
      const list: Command = ['sh', ['-c', 'find . -mindepth 1 | LC_ALL=C sort']];
      const cpio: Command = ['cpio', ['--quiet', '-o', '-H', 'newc', '--reproducible', ...(isRoot ? [] : ['-R', '0:0'])]];
      return pipeToFile(type === 'cpio' ? [list, cpio] : [list, cpio, COMPRESSORS['gz'] ?? ['false', []]], out, env, req.rootfs);
    }
    case 'ext4':
      return writeExt4(req, out, tree);
    default: {
      const never: never = type;
      throw new Error(`unreachable: ${String(never)}`);
    }
  }
}

/** Points `<dir>/<link>` at `target` (a name in the same directory), replacing an older link. */
export function relinkInDir(dir: string, target: string, link: string): void {
  const tmp = tempName(join(dir, link));
  symlinkSync(target, tmp);
  renameSync(tmp, join(dir, link));
}

/** Writes a text output (manifest, testdata) with its timestamped name and stable link. */
export function writeImageText(req: Pick<ImageRequest, 'outDir' | 'linkName' | 'timestamp'>, suffix: string, text: string): ImageFile {
  const name = `${req.linkName}-${req.timestamp}.${suffix}`;
  writeFileAtomic(join(req.outDir, name), text);
  relinkInDir(req.outDir, name, `${req.linkName}.${suffix}`);
  return { type: suffix, path: join(req.outDir, name), link: join(req.outDir, `${req.linkName}.${suffix}`), size: Buffer.byteLength(text) };
}

export async function writeImages(req: ImageRequest): Promise<ImageFile[]> {
  const types = checkImageTypes(req.types);
  ensureDir(req.outDir);
  const tree = clampTimes(req.rootfs, req.sourceDateEpoch);
  const files: ImageFile[] = [];
  for (const type of [...new Set(types)].sort(byteCompare)) {
    const name = `${req.linkName}-${req.timestamp}.${type}`;
    const out = join(req.outDir, name);
    await writeOne(req, type, out, tree);
    relinkInDir(req.outDir, name, `${req.linkName}.${type}`);
    files.push({ type, path: out, link: join(req.outDir, `${req.linkName}.${type}`), size: statSync(out).size });
  }
  return files;
}
