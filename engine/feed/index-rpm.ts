/**
 * An rpm-md repository (`repodata/repomd.xml` with gzip-compressed primary, filelists and
 * other) for one directory of RPMs, subdirectories included, as createrepo_c writes it. The
 * metadata files are named by their checksum and written first; repomd.xml is renamed into
 * place last, and only then are the files it no longer names removed.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chunkCuts, memberCacheFor, type MemberCache, type MemberPack } from './members.js';
import { digestBytes, withSource } from './byte-source.js';
import { joinBytes } from './bytes.js';
import { PackageReadError } from './errors.js';
import { packageFiles, publish } from './feed-files.js';
import type { IndexResult } from './index-deb.js';
import { IndexCache, type EntryParts } from './index-cache.js';
import { readChunks, type PackageJob } from './read-pool.js';
import { readRpmHeaders } from './read-rpm.js';
import { rpmEntries, type RpmEntries } from './rpm-metadata.js';

const CACHE_VERSION = 'rpm-2';
/** The cached parts of a package: its primary, filelists and other entries. */
const toParts = (e: RpmEntries): EntryParts => [e.primary, e.filelists, e.other].map((s) => Buffer.from(s));
/** Files in repodata/ that repomd.xml does not name and that must stay. */
const KEEP = new Set(['repomd.xml', 'repomd.xml.asc', 'repomd.xml.key']);
const NS_COMMON = 'http://linux.duke.edu/metadata/common';
const NS_RPM = 'http://linux.duke.edu/metadata/rpm';

export interface RpmIndexOptions {
  readonly cacheFile?: string;
  /** `<revision>` and `<timestamp>`s (SOURCE_DATE_EPOCH for reproducible feeds). */
  readonly date: Date;
}

/** The primary, filelists and other entries of one .rpm, rendered once and cached. */
export function rpmPackageEntries({ path, rel, size, mtimeMs }: PackageJob): RpmEntries {
  return withSource(path, (src) => {
    try {
      const headers = readRpmHeaders(src);
      const sha256 = src.digests(['sha256']).sha256 ?? '';
      return rpmEntries(headers, { location: rel, sha256, fileSize: src.size, mtime: Math.floor(mtimeMs / 1000) });
    } catch (e) {
      throw new PackageReadError(path, (e as Error).message);
    }
  }, size);
}

interface MetadataFile {
  readonly type: string;
  readonly name: string;
  readonly gz: Buffer;
  readonly gzSha256: string;
  readonly openSize: number;
  readonly openSha256: string;
}

/** One of primary, filelists and other: its text and its gz members, added chunk by chunk. */
class MetadataWriter {
  readonly #type: string;
  readonly #parts: Buffer[] = [];
  readonly #tail: Buffer;
  readonly #gz: MemberPack;

  constructor(type: string, head: string, tail: string, members: MemberCache) {
    this.#type = type;
    this.#gz = members.pack('gz');
    this.#tail = Buffer.from(tail);
    this.add(Buffer.from(head));
  }

  add(chunk: Buffer): void {
    this.#parts.push(chunk);
    this.#gz.add(chunk);
  }

  async file(): Promise<MetadataFile> {
    this.add(this.#tail);
    const open = joinBytes(this.#parts);
    const openSha256 = digestBytes(open, 'sha256'); // while the last members are compressed
    const gz = await this.#gz.bytes();
    const gzSha256 = digestBytes(gz, 'sha256');
    return { type: this.#type, name: `repodata/${gzSha256}-${this.#type}.xml.gz`, gz, gzSha256, openSize: open.length, openSha256 };
  }
}

function repomd(files: readonly MetadataFile[], time: number): string {
  let xml = `<?xml version="1.0" encoding="UTF-8"?>\n<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="${NS_RPM}">\n  <revision>${time}</revision>\n`;
  for (const f of files) {
    xml +=
      `  <data type="${f.type}">\n    <checksum type="sha256">${f.gzSha256}</checksum>\n` +
      `    <open-checksum type="sha256">${f.openSha256}</open-checksum>\n` +
      `    <location href="${f.name}"/>\n    <timestamp>${time}</timestamp>\n` +
      `    <size>${f.gz.length}</size>\n    <open-size>${f.openSize}</open-size>\n  </data>\n`;
  }
  return `${xml}</repomd>\n`;
}

export async function indexRpm(dir: string, opts: RpmIndexOptions): Promise<IndexResult> {
  performance.mark('feed:modules');
  // createrepo_c lists packages by file name, wherever they sit below the repository.
  const listing = packageFiles(dir, ['.rpm'], ['repodata'], (rel) => `${rel.slice(rel.lastIndexOf('/') + 1)}\0${rel}`); // runs while the cache loads
  const cache = IndexCache.load(opts.cacheFile, CACHE_VERSION, 3);
  performance.mark('feed:cache-load');
  const files = await listing;
  performance.mark('feed:list-stat');
  const n = files.length;
  const head = '<?xml version="1.0" encoding="UTF-8"?>\n';
  const members = memberCacheFor(opts.cacheFile);
  // The three files are cut at the same packages; each chunk is compressed on the other core
  // while the next chunk's packages are read.
  const writers = [
    new MetadataWriter('primary', `${head}<metadata xmlns="${NS_COMMON}" xmlns:rpm="${NS_RPM}" packages="${n}">\n`, '</metadata>', members),
    new MetadataWriter('filelists', `${head}<filelists xmlns="http://linux.duke.edu/metadata/filelists" packages="${n}">\n`, '</filelists>', members),
    new MetadataWriter('other', `${head}<otherdata xmlns="http://linux.duke.edu/metadata/other" packages="${n}">\n`, '</otherdata>', members),
  ];
  for await (const entries of readChunks(cache, 'rpm', files, chunkCuts(files, (f) => f.rel), rpmPackageEntries, toParts)) {
    writers.forEach((w, index) => w.add(joinBytes(entries.map((e) => e[index] ?? Buffer.alloc(0)))));
  }
  performance.mark('feed:read');
  cache.save(); // while the other core compresses the last members (see index-deb.ts)
  performance.mark('feed:cache-save');
  const metadata = await Promise.all(writers.map((w) => w.file()));
  performance.mark('feed:compress');
  const time = Math.floor(opts.date.getTime() / 1000);
  const repomdText = repomd(metadata, time);
  performance.mark('feed:checksums');
  publish(dir, [...metadata.map((m): [string, Buffer] => [m.name, m.gz]), ['repodata/repomd.xml', repomdText]]);
  const named = new Set(metadata.map((m) => m.name.slice('repodata/'.length)));
  for (const name of readdirSync(join(dir, 'repodata'))) {
    if (!KEEP.has(name) && !named.has(name) && !name.includes('.tmp-')) rmSync(join(dir, 'repodata', name), { force: true });
  }
  members.prune();
  performance.mark('feed:write');
  return { dir, packages: n, read: cache.misses, files: [...metadata.map((m) => m.name), 'repodata/repomd.xml'] };
}
