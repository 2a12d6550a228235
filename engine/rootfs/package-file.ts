/**
 * Reading a .deb or .ipk (both an `ar` archive of `debian-binary`, `control.tar.*` and
 * `data.tar.*`): the control members in memory (they are small), the payload as a stream
 * (ARCHITECTURE rule 4).
 */
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DecompressStream } from 'zstd-napi';
import { TsbakeError } from '../core/errors.js';
import { spawnInGroup } from '../core/proc.js';
import { forEachTarEntry } from '../core/tar-entries.js';

/** A package file that is not what its format says. */
export class PackageFileError extends TsbakeError {
  readonly code = 'E_PACKAGE_FILE';
}

interface ArMember {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
}

const AR_MAGIC = '!<arch>\n';
const HEADER = 60;

function arMembers(file: string): ArMember[] {
  const fd = openSync(file, 'r');
  try {
    const magic = Buffer.alloc(AR_MAGIC.length);
    readSync(fd, magic, 0, magic.length, 0);
    if (magic.toString('latin1') !== AR_MAGIC) throw new PackageFileError(`${file}: not an ar archive`);
    const members: ArMember[] = [];
    const header = Buffer.alloc(HEADER);
    for (let at = AR_MAGIC.length; readSync(fd, header, 0, HEADER, at) === HEADER; ) {
      const name = header.toString('latin1', 0, 16).trim().replace(/\/$/, '');
      const size = Number.parseInt(header.toString('latin1', 48, 58).trim(), 10);
      if (!Number.isFinite(size) || header.toString('latin1', 58, 60) !== '`\n') throw new PackageFileError(`${file}: bad ar member header at byte ${at}`);
      members.push({ name, offset: at + HEADER, size });
      at += HEADER + size + (size % 2);
    }
    return members;
  } finally {
    closeSync(fd);
  }
}

/** `xz -dc` as a stream filter (node has no xz). */
function hostFilter(cmd: string, args: readonly string[], input: Readable): Readable {
  const child = spawnInGroup(cmd, args, { stdio: ['pipe', 'pipe', 'ignore'] });
  const out = new PassThrough();
  const { stdin, stdout } = child;
  if (!stdin || !stdout) throw new Error(`${cmd}: no pipes`);
  input.on('error', (e) => out.destroy(e));
  stdin.on('error', () => undefined); // the exit code reports it
  input.pipe(stdin);
  stdout.pipe(out, { end: false });
  child.on('close', (code) => (code === 0 ? out.end() : out.destroy(new PackageFileError(`${cmd} ${args.join(' ')} exited with ${String(code)}`))));
  return out;
}

function decompress(name: string, raw: Readable): Readable {
  if (name.endsWith('.gz')) return raw.pipe(createGunzip());
  if (name.endsWith('.zst')) return raw.pipe(new DecompressStream());
  if (name.endsWith('.xz')) return hostFilter('xz', ['-dc'], raw);
  if (name.endsWith('.tar')) return raw;
  throw new PackageFileError(`unsupported compression: ${name}`);
}

export interface DebianPackageFile {
  readonly file: string;
  /** control, md5sums, conffiles, preinst, postinst, prerm, postrm: whatever the package has. */
  readonly control: ReadonlyMap<string, Buffer>;
  /** The payload tar, decompressed. */
  data(): Readable;
}

function member(file: string, members: readonly ArMember[], prefix: string): ArMember {
  const m = members.find((x) => x.name.startsWith(prefix));
  if (!m) throw new PackageFileError(`${file}: no ${prefix}* member`);
  return m;
}

const memberBytes = (file: string, m: ArMember, compressed: string): Readable => decompress(compressed, createReadStream(file, { start: m.offset, end: m.offset + m.size - 1 }));

/** Every regular file of a tar stream, by name without the leading `./`. */
export async function readSmallTar(stream: Readable): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  await forEachTarEntry(stream, async (header, body) => {
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(Buffer.from(c as Uint8Array));
    if (header.type === 'file') files.set(header.name.replace(/^\.?\//, ''), Buffer.concat(chunks));
  });
  return files;
}

export async function openDebianPackage(file: string): Promise<DebianPackageFile> {
  const members = arMembers(file);
  const control = member(file, members, 'control.tar');
  const data = member(file, members, 'data.tar');
  const controlFiles = await readSmallTar(memberBytes(file, control, control.name));
  if (!controlFiles.has('control')) throw new PackageFileError(`${file}: control.tar has no control file`);
  return { file, control: controlFiles, data: () => memberBytes(file, data, data.name) };
}

/** The fields of a control paragraph, in order; continuation lines stay with their field. */
export function controlFields(text: string): Array<[string, string]> {
  const fields: Array<[string, string]> = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const last = fields[fields.length - 1];
    if (/^\s/.test(line) && last) last[1] += `\n${line}`;
    else {
      const colon = line.indexOf(':');
      if (colon > 0) fields.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
    }
  }
  return fields;
}
