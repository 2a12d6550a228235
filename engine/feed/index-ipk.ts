/**
 * An opkg feed for one `deploy/ipk/<arch>/` directory, as opkg-make-index writes it with
 * oe-core's `--checksum md5 --checksum sha256`: the control fields opkg-make-index keeps, in
 * its order, plus MD5Sum, SHA256sum, Size and Filename; `Packages.gz`; and `Packages.stamps`
 * (`<ctime> <path>` per package). Every version present is listed (as with `-a`), so nothing
 * is moved out of the deploy directory; files already in `morgue/` are left out.
 */
import { gzip } from './compress.js';
import { renderParagraph, type Field } from './deb822.js';
import { withSource } from './byte-source.js';
import { packageFiles, publish, sortedBy } from './feed-files.js';
import type { IndexResult } from './index-deb.js';
import { IndexCache, type EntryCodec } from './index-cache.js';
import { readThroughCache, type PackageJob } from './read-pool.js';
import { controlFields } from './read-control.js';

/** opkg-make-index's field order; `@` marks what the indexer adds. Other control fields are dropped. */
const OPKG_ORDER: ReadonlyArray<readonly [key: string, name: string]> = [
  ['package', 'Package'], ['version', 'Version'], ['depends', 'Depends'], ['provides', 'Provides'],
  ['replaces', 'Replaces'], ['conflicts', 'Conflicts'], ['suggests', 'Suggests'], ['recommends', 'Recommends'],
  ['section', 'Section'], ['architecture', 'Architecture'], ['maintainer', 'Maintainer'], ['@md5', 'MD5Sum'],
  ['@sha256', 'SHA256sum'], ['@size', 'Size'], ['@filename', 'Filename'], ['source', 'Source'],
  ['description', 'Description'], ['oe', 'OE'], ['homepage', 'HomePage'], ['license', 'License'],
  ['priority', 'Priority'], ['tags', 'Tags'],
];
const CACHE_VERSION = 'ipk-1';

export interface IpkEntry {
  /** `package:arch`, the key opkg-make-index sorts by. */
  readonly key: string;
  readonly stanza: string;
}

const IPK_CODEC: EntryCodec<IpkEntry> = { parts: 2, encode: (e) => [e.key, e.stanza], decode: ([key = '', stanza = '']) => ({ key, stanza }) };

export async function ipkEntry({ path, rel, size }: PackageJob): Promise<IpkEntry> {
  return withSource(path, async (src) => {
    const control = await controlFields(src, path);
    const sums = src.digests(['md5', 'sha256']);
    const known = new Map(control.map(([n, v]) => [n.toLowerCase(), v]));
    known.set('@md5', sums.md5 ?? '');
    known.set('@sha256', sums.sha256 ?? '');
    known.set('@size', String(src.size));
    known.set('@filename', rel);
    const fields: Field[] = [];
    for (const [key, name] of OPKG_ORDER) {
      const value = known.get(key);
      if (value !== undefined) fields.push([name, value]);
    }
    return { key: `${known.get('package') ?? ''}:${known.get('architecture') ?? ''}`, stanza: renderParagraph(fields) };
  }, size);
}

export interface IpkIndexOptions {
  readonly cacheFile?: string;
}

export async function indexIpk(dir: string, opts: IpkIndexOptions): Promise<IndexResult> {
  const cache = IndexCache.load(opts.cacheFile, CACHE_VERSION, IPK_CODEC);
  const files = packageFiles(dir, ['.ipk', '.opk'], ['morgue']);
  const entries = await readThroughCache(cache, 'ipk', files, ipkEntry);
  const sorted = sortedBy(entries, (e) => e.key);
  const packages = Buffer.from(sorted.map((e) => `${e.stanza}\n`).join(''));
  const stamps = files.map((f) => `${Math.floor(f.stat.ctimeMs / 1000)} ${f.rel}\n`).join('');
  publish(dir, [
    ['Packages.stamps', stamps],
    ['Packages.gz', gzip(packages)],
    ['Packages', packages],
  ]);
  cache.save();
  return { dir, packages: files.length, read: cache.misses, files: ['Packages.stamps', 'Packages.gz', 'Packages'] };
}
