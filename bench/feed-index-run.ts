/**
 * `node dist/bench/feed-index-run.js deb|rpm|ipk DIR CACHE`: indexes one feed directory the
 * way `tsbake package-index` indexes each of its feeds, as its own process, so the benchmark
 * times it like the baseline tools (process start included).
 */
import { indexDeb } from '../engine/feed/index-deb.js';
import { indexIpk } from '../engine/feed/index-ipk.js';
import { indexRpm } from '../engine/feed/index-rpm.js';

const [format, dir, cacheFile] = process.argv.slice(2);
if (!dir || !cacheFile) throw new Error('usage: feed-index-run.js deb|rpm|ipk DIR CACHE');
const date = new Date(1_700_000_000_000);
const r = format === 'deb' ? await indexDeb(dir, { cacheFile, date }) : format === 'rpm' ? await indexRpm(dir, { cacheFile, date }) : await indexIpk(dir, { cacheFile });
process.stdout.write(`${r.packages} packages, ${r.read} read\n`);
