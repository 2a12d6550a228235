/**
 * An apt flat repository for one `deploy/deb/<arch>/` directory, as oe-core's deb indexer
 * leaves it: `Packages` (each package's control plus Filename, Size and the MD5/SHA1/SHA256/
 * SHA512 sums apt-ftparchive adds, in its field order), `Packages.gz`, `Packages.xz` and a
 * `Release` that starts with `Label: <arch>` and lists every index with its checksums.
 */
import { basename } from 'node:path';
import { joinBytes } from './bytes.js';
import { chunkCuts, memberCacheFor } from './members.js';
import { fieldOrder, renderParagraph, type Field } from './deb822.js';
import { digestBytes, withSource, type Algorithm } from './byte-source.js';
import { packageFiles, publish } from './feed-files.js';
import { IndexCache } from './index-cache.js';
import { readChunks, type PackageJob } from './read-pool.js';
import { controlFields } from './read-control.js';

/** apt-ftparchive's field order for Packages stanzas; other fields follow in control order. */
const APT_ORDER = [
  'Package', 'Package-Type', 'Architecture', 'Subarchitecture', 'Version', 'Revision', 'Package-Revision',
  'Package_Revision', 'Kernel-Version', 'Built-Using', 'Built-For-Profiles', 'Multi-Arch', 'Status', 'Priority',
  'Class', 'Essential', 'Installer-Menu-Item', 'Section', 'Source', 'Origin', 'Maintainer', 'Original-Maintainer',
  'Bugs', 'Config-Version', 'Conffiles', 'Triggers-Awaited', 'Triggers-Pending', 'Installed-Size', 'Provides',
  'Pre-Depends', 'Depends', 'Recommends', 'Recommended', 'Suggests', 'Optional', 'Conflicts', 'Breaks', 'Replaces',
  'Enhances', 'Filename', 'MSDOS-Filename', 'Size', 'MD5sum', 'SHA1', 'SHA256', 'SHA512', 'Homepage',
  'Description', 'Tag', 'Task',
];
const aptOrder = fieldOrder(APT_ORDER);
const RELEASE_SUMS: ReadonlyArray<readonly [Algorithm, string]> = [['md5', 'MD5Sum'], ['sha1', 'SHA1'], ['sha256', 'SHA256'], ['sha512', 'SHA512']];
const CACHE_VERSION = 'deb-2';

export interface DebIndexOptions {
  /** The cache of package reads (see index-cache.ts); none reads every package. */
  readonly cacheFile?: string;
  /** The `Date:` of Release (SOURCE_DATE_EPOCH for reproducible feeds). */
  readonly date: Date;
}

export interface IndexResult {
  readonly dir: string;
  readonly packages: number;
  /** Packages read this run (the others came from the cache). */
  readonly read: number;
  /** Index files written, relative to dir; the meta index (Release, repomd.xml) is last. */
  readonly files: readonly string[];
}

/** The stanza of one .deb, rendered once and cached. */
export function debStanza({ path, rel, size }: PackageJob): string {
  return withSource(path, (src) => {
    const control = controlFields(src, path);
    const sums = src.digests(['md5', 'sha1', 'sha256', 'sha512']);
    const added: Field[] = [
      ['Filename', `./${rel}`],
      ['Size', String(src.size)],
      ['MD5sum', sums.md5 ?? ''],
      ['SHA1', sums.sha1 ?? ''],
      ['SHA256', sums.sha256 ?? ''],
      ['SHA512', sums.sha512 ?? ''],
    ];
    return renderParagraph(aptOrder([...control, ...added]));
  }, size);
}

/** An index file with the checksums Release lists for it. */
interface IndexFile {
  readonly name: string;
  readonly data: Uint8Array;
  readonly sums: ReadonlyMap<Algorithm, string>;
}

const summed = (name: string, data: Uint8Array): IndexFile => ({ name, data, sums: new Map(RELEASE_SUMS.map(([algo]) => [algo, digestBytes(data, algo)])) });

function releaseText(label: string, date: Date, indexes: readonly IndexFile[]): string {
  let text = `Label: ${label}\nDate: ${date.toUTCString().replace('GMT', '+0000')}\n`;
  for (const [algo, title] of RELEASE_SUMS) {
    text += `${title}:\n`;
    for (const { name, data, sums } of indexes) text += ` ${sums.get(algo) ?? ''} ${String(data.length).padStart(16)} ${name}\n`;
  }
  return text;
}

export async function indexDeb(dir: string, opts: DebIndexOptions): Promise<IndexResult> {
  performance.mark('feed:modules');
  const listing = packageFiles(dir, ['.deb']); // runs while the cache loads
  const cache = IndexCache.load(opts.cacheFile, CACHE_VERSION, 1);
  performance.mark('feed:cache-load');
  const files = await listing;
  performance.mark('feed:list-stat');
  // Each chunk is joined once: it is the Packages text, and the input of a gz and an xz
  // member, compressed on the other core while the next chunk's packages are read.
  const members = memberCacheFor(opts.cacheFile);
  const gz = members.pack('gz');
  const xz = members.pack('xz');
  const chunks: Buffer[] = [];
  try {
    // A cached entry is the stanza with the blank line that ends it in Packages.
    for await (const entries of readChunks(cache, 'deb', files, chunkCuts(files, (f) => f.rel), debStanza, (stanza) => [Buffer.from(`${stanza}\n`)])) {
      const chunk = joinBytes(entries.map((e) => e[0] ?? Buffer.alloc(0)));
      chunks.push(chunk);
      gz.add(chunk);
      xz.add(chunk);
    }
  } catch (e) {
    await xz.abandon();
    throw e;
  }
  performance.mark('feed:read');
  // Every entry is known now: the cache is saved while the other core compresses the last
  // members (a crash before the indexes are published costs nothing: entries are keyed by
  // their package's stamp, not by the index).
  cache.save();
  performance.mark('feed:cache-save');
  const packages = summed('Packages', joinBytes(chunks)); // while the last members are compressed
  performance.mark('feed:checksums');
  const indexes = [packages, summed('Packages.gz', await gz.bytes()), summed('Packages.xz', await xz.bytes())];
  performance.mark('feed:compress');
  publish(dir, [...indexes.map((f): [string, Uint8Array] => [f.name, f.data]), ['Release', releaseText(basename(dir), opts.date, indexes)]]);
  members.prune();
  performance.mark('feed:write');
  return { dir, packages: files.length, read: cache.misses, files: [...indexes.map((f) => f.name), 'Release'] };
}
