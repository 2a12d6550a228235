/**
 * An apt flat repository for one `deploy/deb/<arch>/` directory, as oe-core's deb indexer
 * leaves it: `Packages` (each package's control plus Filename, Size and the MD5/SHA1/SHA256/
 * SHA512 sums apt-ftparchive adds, in its field order), `Packages.gz`, `Packages.xz` and a
 * `Release` that starts with `Label: <arch>` and lists every index with its checksums.
 */
import { fstatSync } from 'node:fs';
import { basename } from 'node:path';
import { gzip, xzCompress } from './compress.js';
import { orderFields, parseParagraph, renderParagraph, type Field } from './deb822.js';
import { digestBytes, digestFd, withFd, type Algorithm } from './digest.js';
import { PackageReadError } from './errors.js';
import { packageFiles, publish } from './feed-files.js';
import { IndexCache } from './index-cache.js';
import { readControl } from './read-control.js';

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
const RELEASE_SUMS: ReadonlyArray<readonly [Algorithm, string]> = [['md5', 'MD5Sum'], ['sha1', 'SHA1'], ['sha256', 'SHA256'], ['sha512', 'SHA512']];
const CACHE_VERSION = 'deb-1';

export interface DebIndexOptions {
  /** The JSON cache of package reads (see index-cache.ts); none reads every package. */
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
async function debStanza(path: string, rel: string): Promise<string> {
  return withFd(path, async (fd) => {
    let control: Field[];
    try {
      control = parseParagraph(await readControl(fd));
    } catch (e) {
      throw new PackageReadError(path, (e as Error).message);
    }
    const sums = digestFd(fd, ['md5', 'sha1', 'sha256', 'sha512']);
    const { size } = fstatSync(fd);
    const added: Field[] = [
      ['Filename', `./${rel}`],
      ['Size', String(size)],
      ['MD5sum', sums.md5 ?? ''],
      ['SHA1', sums.sha1 ?? ''],
      ['SHA256', sums.sha256 ?? ''],
      ['SHA512', sums.sha512 ?? ''],
    ];
    return renderParagraph(orderFields([...control, ...added], APT_ORDER));
  });
}

function releaseText(label: string, date: Date, indexes: ReadonlyArray<readonly [string, Uint8Array]>): string {
  let text = `Label: ${label}\nDate: ${date.toUTCString().replace('GMT', '+0000')}\n`;
  for (const [algo, title] of RELEASE_SUMS) {
    text += `${title}:\n`;
    for (const [name, data] of indexes) text += ` ${digestBytes(data, algo)} ${String(data.length).padStart(16)} ${name}\n`;
  }
  return text;
}

export async function indexDeb(dir: string, opts: DebIndexOptions): Promise<IndexResult> {
  const cache = IndexCache.load<string>(opts.cacheFile, CACHE_VERSION);
  const files = packageFiles(dir, ['.deb']);
  const stanzas: string[] = [];
  for (const f of files) stanzas.push(await cache.get(f.rel, f.stat, () => debStanza(f.path, f.rel)));
  const packages = Buffer.from(stanzas.map((s) => `${s}\n`).join(''));
  const indexes: Array<[string, Uint8Array]> = [
    ['Packages', packages],
    ['Packages.gz', gzip(packages)],
    ['Packages.xz', await xzCompress(packages)],
  ];
  const release = releaseText(basename(dir), opts.date, indexes);
  publish(dir, [...indexes, ['Release', release]]);
  cache.save();
  return { dir, packages: files.length, read: cache.misses, files: [...indexes.map(([n]) => n), 'Release'] };
}
