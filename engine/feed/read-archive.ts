/**
 * Just enough of the ar and tar formats to find a package's control member: the indexer
 * reads headers at known offsets of the file instead of unpacking the payload.
 */
import type { ByteSource } from './byte-source.js';

export interface ArMember {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
}

const AR_MAGIC = '!<arch>\n';

export function isAr(head: Uint8Array): boolean {
  return Buffer.from(head.subarray(0, 8)).toString('latin1') === AR_MAGIC;
}

/** The members of an ar archive (System V/GNU names, trailing `/` dropped), by positional reads. */
export function arMembers(src: ByteSource): ArMember[] {
  const members: ArMember[] = [];
  const fileSize = src.size;
  let pos = 8;
  while (pos + 60 <= fileSize) {
    const header = src.read(pos, 60);
    if (header[58] !== 0x60 || header[59] !== 0x0a) throw new Error(`bad ar member header at byte ${pos}`);
    const name = header.toString('latin1', 0, 16).trimEnd().replace(/\/$/, '');
    const size = Number.parseInt(header.toString('latin1', 48, 58).trim(), 10);
    if (!Number.isFinite(size) || size < 0 || pos + 60 + size > fileSize) throw new Error(`bad ar member size at byte ${pos}`);
    members.push({ name, offset: pos + 60, size });
    pos += 60 + size + (size % 2);
  }
  return members;
}

function octal(buf: Buffer, start: number, length: number): number {
  const text = buf.toString('latin1', start, start + length).replace(/\0.*$/s, '').trim();
  return text === '' ? 0 : Number.parseInt(text, 8);
}

/**
 * The first regular file named `want` in an uncompressed tar (ustar, GNU long names, pax
 * paths), as a view of `tar`; none when `tar` ends before it does (the head of an archive).
 */
export function tarFile(tar: Buffer, want: string): Buffer | undefined {
  let pos = 0;
  let longName: string | undefined;
  while (pos + 512 <= tar.length) {
    const h = tar.subarray(pos, pos + 512);
    if (h[0] === 0) break; // an empty name: the end-of-archive blocks
    const size = octal(h, 124, 12);
    const type = String.fromCharCode(h[156] ?? 0);
    const body = tar.subarray(pos + 512, pos + 512 + size);
    let name = h.toString('latin1', 0, 100).replace(/\0.*$/s, '');
    const prefix = h.toString('latin1', 345, 500).replace(/\0.*$/s, '');
    if (h.toString('latin1', 257, 262) === 'ustar' && prefix !== '') name = `${prefix}/${name}`;
    if (longName !== undefined) name = longName;
    longName = undefined;
    if (type === 'L') longName = body.toString('utf8').replace(/\0.*$/s, '');
    else if (type === 'x') longName = /\d+ path=([^\n]*)\n/.exec(body.toString('utf8'))?.[1];
    else if ((type === '0' || type === '\0') && name.replace(/^\.\//, '') === want) return body.length === size ? body : undefined;
    pos += 512 + Math.ceil(size / 512) * 512;
  }
  return undefined;
}
