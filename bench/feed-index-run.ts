/**
 * `node dist/bench/feed-index-run.js deb|rpm|ipk DIR CACHE`: indexes one feed directory the
 * way `tsbake package-index` indexes each of its feeds, as its own process, so the benchmark
 * times it like the baseline tools (process start included). Only the one indexer is loaded.
 */
const [format, dir, cacheFile] = process.argv.slice(2);
if (!dir || !cacheFile) throw new Error('usage: feed-index-run.js deb|rpm|ipk DIR CACHE');
const date = new Date(1_700_000_000_000);
const r =
  format === 'deb' ? await (await import('../engine/feed/index-deb.js')).indexDeb(dir, { cacheFile, date })
  : format === 'rpm' ? await (await import('../engine/feed/index-rpm.js')).indexRpm(dir, { cacheFile, date })
  : await (await import('../engine/feed/index-ipk.js')).indexIpk(dir, { cacheFile });
process.stdout.write(`${r.packages} packages, ${r.read} read\n`);
