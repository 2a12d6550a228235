/**
 * An opkg feed for one `deploy/ipk/<arch>/` directory, as opkg-make-index writes it with
 * oe-core's `--checksum md5 --checksum sha256`: the control fields opkg-make-index keeps, in
 * its order, plus MD5Sum, SHA256sum, Size and Filename; `Packages.gz` (gzip -9 members, see
 * members.ts); and `Packages.stamps` (`<ctime> <path>` per package). Every version present is listed (as with `-a`), so nothing
 * is moved out of the deploy directory; files already in `morgue/` are left out.
 */
import { joinBytes, utf8 } from './bytes.js';
import { chunkBytes, chunkCuts, compressMembers, memberCacheFor } from './members.js';
import { renderParagraph, type Field } from './deb822.js';
import { withSource } from './byte-source.js';
import { packageFiles, publish, sortedBy } from './feed-files.js';
import type { IndexResult } from './index-deb.js';
import { IndexCache } from './index-cache.js';
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
const CACHE_VERSION = 'ipk-2';

export interface IpkEntry {
  /** `package:arch`, the key opkg-make-index sorts by. */
  readonly key: string;
  readonly stanza: string;
}

export function ipkEntry({ path, rel, size }: PackageJob): IpkEntry {
  return withSource(path, (src) => {
    const control = controlFields(src, path);
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
  performance.mark('feed:modules');
  const listing = packageFiles(dir, ['.ipk', '.opk'], ['morgue']); // runs while the cache loads
  const cache = IndexCache.load(opts.cacheFile, CACHE_VERSION, 2);
  performance.mark('feed:cache-load');
  const files = await listing;
  performance.mark('feed:list-stat');
  // Cached: the sort key, and the stanza with the blank line that ends it in Packages.
  const entries = await readThroughCache(cache, 'ipk', files, ipkEntry, (e) => [Buffer.from(e.key), Buffer.from(`${e.stanza}\n`)]);
  performance.mark('feed:read');
  const sorted = sortedBy(files.map((f, i) => ({ rel: f.rel, entry: entries[i] ?? [] })), (e) => utf8(e.entry[0] ?? Buffer.alloc(0)));
  const chunks = chunkBytes(sorted, chunkCuts(sorted, (e) => e.rel), (e) => e.entry[1] ?? Buffer.alloc(0));
  const members = memberCacheFor(opts.cacheFile);
  const packing = compressMembers(chunks, 'gz9', members); // on libuv's threads, beside what follows
  packing.catch(() => undefined); // awaited below, unless the cache cannot be saved first
  const packages = joinBytes(chunks);
  const stamps = files.map((f) => `${Math.floor(f.ctimeMs / 1000)} ${f.rel}\n`).join('');
  performance.mark('feed:assemble');
  cache.save(); // while the members compress (see index-deb.ts)
  performance.mark('feed:cache-save');
  const gz = await packing;
  performance.mark('feed:compress');
  publish(dir, [
    ['Packages.stamps', stamps],
    ['Packages.gz', gz],
    ['Packages', packages],
  ]);
  members.prune();
  performance.mark('feed:write');
  return { dir, packages: files.length, read: cache.misses, files: ['Packages.stamps', 'Packages.gz', 'Packages'] };
}
