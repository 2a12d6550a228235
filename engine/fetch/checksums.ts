/**
 * Download checksums as BitBake checks them: `SRC_URI[sha256sum]` (or `[<name>.sha256sum]`
 * for a `name=` entry, or a `;sha256sum=` parameter), goh1, md5, sha1, sha384 and sha512 alike.
 * The `.done` stamp beside a download holds every checksum, computed when it was verified,
 * byte for byte as BitBake pickles them, so either tool trusts the other's stamps.
 */
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { asText, type DataStore } from '../metadata/datastore.js';
import { ChecksumError } from './errors.js';
import { goh1 } from './goh1.js';
import { CHECKSUMMED_TYPES, uriName, type SrcUri } from './src-uri.js';

/** BitBake's CHECKSUM_LIST, in its order (which is the order of a `.done` stamp's dict). */
export const CHECKSUM_IDS = ['goh1', 'md5', 'sha256', 'sha1', 'sha384', 'sha512'] as const;
export type ChecksumId = (typeof CHECKSUM_IDS)[number];
export type Checksums = Partial<Record<ChecksumId, string>>;

/** The checksums that are plain digests of the file's bytes (goh1 is derived after). */
const DIGESTS = ['md5', 'sha256', 'sha1', 'sha384', 'sha512'] as const;

export interface ExpectedChecksum {
  readonly id: ChecksumId;
  /** The flag or parameter name: `sha256sum`, `tarball.sha256sum`. */
  readonly name: string;
  readonly value: string | undefined;
}

/** What SRC_URI expects of `u`'s download, for each checksum type. */
export function expectedChecksums(u: SrcUri, store: DataStore): ExpectedChecksum[] {
  return CHECKSUM_IDS.map((id) => {
    const plain = `${id}sum`;
    const named = u.params.has('name') ? `${uriName(u)}.${plain}` : plain;
    if (u.params.has(named)) return { id, name: named, value: u.params.get(named) };
    if (u.params.has(plain)) return { id, name: plain, value: u.params.get(plain) };
    if (!CHECKSUMMED_TYPES.has(u.type)) return { id, name: named, value: undefined };
    const v = asText(store.getVarFlag('SRC_URI', named));
    return { id, name: named, value: v || undefined };
  });
}

/** Every checksum of a file, as BitBake computes them for its `.done` stamp. */
export async function computeChecksums(path: string, signal?: AbortSignal): Promise<Checksums> {
  const hasher = checksumHasher();
  for await (const chunk of createReadStream(path, signal ? { signal } : {})) hasher.update(chunk as Buffer);
  return withGoh1(path, hasher.digest());
}

/** The digests computeChecksums computes, fed a chunk at a time (a download hashed as it arrives). */
export function checksumHasher(): { update: (chunk: Buffer) => void; digest: () => Checksums } {
  const hashes = DIGESTS.map((id) => createHash(id));
  return {
    update: (chunk) => {
      for (const h of hashes) h.update(chunk);
    },
    digest: () => {
      const out: Checksums = {};
      DIGESTS.forEach((id, i) => (out[id] = hashes[i]?.digest('hex')));
      return out;
    },
  };
}

/** `sums` (the digests of the complete file at `path`) with its goh1 added. */
export function withGoh1(path: string, sums: Checksums): Checksums {
  const h1 = sums.sha256 === undefined ? undefined : goh1(path, sums.sha256);
  return h1 === undefined ? sums : { goh1: h1, ...sums };
}

export type StrictChecksum = 'error' | 'warn' | 'ignore';

/**
 * BB_STRICT_CHECKSUM as BitBake reads it: "1" makes a missing checksum an error, "ignore"
 * says nothing, anything else (unset too) warns. tsbake's conf/bitbake.conf sets "1", as
 * oe-core does.
 */
export function strictChecksum(value: string | undefined): StrictChecksum {
  if (value === 'ignore') return 'ignore';
  return value === '1' ? 'error' : 'warn';
}

/**
 * Checks a download against SRC_URI. A mismatch names the file, the expected and the actual
 * value; a missing checksum prints the line to add (a warning when `strict` is 'warn').
 */
export function verifyChecksums(u: SrcUri, file: string, have: Checksums, expected: readonly ExpectedChecksum[], strict: StrictChecksum, warn: (m: string) => void): void {
  const sha = expected.find((e) => e.id === 'sha256');
  const line = `SRC_URI[${sha?.name ?? 'sha256sum'}] = "${have.sha256 ?? ''}"`;
  if (expected.every((e) => e.value === undefined)) {
    if (!CHECKSUMMED_TYPES.has(u.type) || strict === 'ignore') return;
    const message = `missing checksum for '${file}' (${u.url}); add this line to the recipe:\n    ${line}`;
    if (strict === 'warn') return warn(message);
    throw new ChecksumError(message, undefined, 'BB_STRICT_CHECKSUM = "0" turns this into a warning');
  }
  const bad = expected.filter((e) => e.value !== undefined && have[e.id] !== undefined && have[e.id] !== e.value);
  if (bad.length === 0) return;
  const lines = bad.map((e) => `file '${file}' has ${e.id} checksum '${have[e.id] ?? ''}' when '${e.value ?? ''}' was expected`);
  throw new ChecksumError(
    `checksum mismatch for ${u.url}:\n    ${lines.join('\n    ')}`,
    undefined,
    `if the new file is expected (an upgrade), use: ${line}; otherwise the download is corrupt or was changed upstream`,
  );
}

/** The ids `expected` names a value for. */
export function neededIds(expected: readonly ExpectedChecksum[]): ChecksumId[] {
  return expected.filter((e) => e.value !== undefined).map((e) => e.id);
}

// ---- .done stamps: a dict {id: hex} pickled as Python's pickle protocol 2 writes it -------

/** A `.done` stamp's content for these checksums, in CHECKSUM_IDS order. */
export function doneStampBytes(sums: Checksums): Buffer {
  let memo = 0;
  // Each object pickled is memoized (BINPUT n); the indices count up from the dict's 0.
  const put = (): Buffer => Buffer.from([0x71, memo++]);
  const str = (s: string): Buffer => {
    const b = Buffer.from(s, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32LE(b.length);
    return Buffer.concat([Buffer.from('X'), len, b, put()]);
  };
  const items = CHECKSUM_IDS.flatMap((id) => (sums[id] === undefined ? [] : [[id, sums[id] ?? ''] as const]));
  const parts: Buffer[] = [Buffer.from([0x80, 0x02, 0x7d]), put()]; // PROTO 2, EMPTY_DICT
  const pairs = items.flatMap(([k, v]) => [str(k), str(v)]);
  // Several items go between MARK and SETITEMS, a single one before SETITEM.
  if (items.length > 1) parts.push(Buffer.from('('), ...pairs, Buffer.from('u'));
  else if (items.length === 1) parts.push(...pairs, Buffer.from('s'));
  parts.push(Buffer.from('.'));
  return Buffer.concat(parts);
}

/**
 * The checksums a `.done` stamp vouches for: only when it is newer than the download (as
 * BitBake decides), and only the string entries of the dict; an empty or foreign stamp
 * vouches for nothing (the file is then hashed).
 */
export function readDoneStamp(stamp: string, file: string): Checksums {
  let data: Buffer;
  try {
    if (statSync(file).mtimeMs >= statSync(stamp).mtimeMs) return {};
    data = readFileSync(stamp);
  } catch {
    return {};
  }
  return parsePickledDict(data);
}

function parsePickledDict(b: Buffer): Checksums {
  const stack: Array<string | null> = [];
  const out: Checksums = {};
  let i = 0;
  const u32 = (): number => {
    const n = b.readUInt32LE(i);
    i += 4;
    return n;
  };
  try {
    while (i < b.length) {
      const op = b[i++];
      switch (op) {
        case 0x80: i++; break; // PROTO n
        case 0x7d: case 0x28: break; // EMPTY_DICT, MARK
        case 0x71: i++; break; // BINPUT n
        case 0x72: i += 4; break; // LONG_BINPUT n
        case 0x94: break; // MEMOIZE
        case 0x4e: stack.push(null); break; // NONE
        case 0x58: { const n = u32(); stack.push(b.toString('utf8', i, i + n)); i += n; break; } // BINUNICODE
        case 0x8c: { const n = b[i++] ?? 0; stack.push(b.toString('utf8', i, i + n)); i += n; break; } // SHORT_BINUNICODE
        case 0x75: case 0x73: { // SETITEMS, SETITEM
          for (let k = 0; k + 1 < stack.length; k += 2) {
            const key = stack[k];
            const v = stack[k + 1];
            if (typeof key === 'string' && typeof v === 'string' && (CHECKSUM_IDS as readonly string[]).includes(key)) out[key as ChecksumId] = v;
          }
          stack.length = 0;
          break;
        }
        case 0x2e: return out; // STOP
        default: return {};
      }
    }
  } catch {
    return {};
  }
  return {};
}
