/**
 * The common ar format that dpkg and opkg read (deb(5)): the global magic, then per member a
 * 60-byte header (name 16, mtime 12, uid 6, gid 6, octal mode 8, size 10, "`\n"), the data
 * and one `\n` when the size is odd. Names are at most 15 bytes: no GNU or BSD long names.
 */
export const AR_MAGIC = '!<arch>\n';

export interface ArMemberStyle {
  /** GNU `ar -D` (opkg-build) ends names with `/` and writes mode 644 and mtime 0. */
  readonly gnuNames: boolean;
  readonly mtime: number;
  /** Octal mode field as written: dpkg-deb writes `100644`, GNU ar `644`. */
  readonly mode: string;
}

/** Bytes of a member header. */
export const AR_HEADER_LENGTH = 60;

export function arHeader(name: string, size: number, style: ArMemberStyle): Buffer {
  const stored = style.gnuNames ? `${name}/` : name;
  if (stored.length > 16) throw new Error(`ar member name too long: ${name}`);
  const text =
    stored.padEnd(16) +
    String(style.mtime).padEnd(12) +
    '0'.padEnd(6) +
    '0'.padEnd(6) +
    style.mode.padEnd(8) +
    String(size).padEnd(10) +
    '`\n';
  return Buffer.from(text, 'latin1');
}

export const arPadding = (size: number): Buffer => Buffer.alloc(size % 2, '\n');
