/**
 * `node dist/bench/feed-index-run.js deb|rpm|ipk DIR CACHE`: indexes one feed directory the
 * way `tsbake package-index` indexes each of its feeds, as its own process, so the benchmark
 * times it like the baseline tools (process start included). Only the one indexer is loaded.
 * The second output line is the time of each phase in ms (`boot` = Node's own start-up, then
 * the `feed:` performance marks the indexer sets), for the benchmark's breakdown.
 */
const boot = performance.now();
const [format, dir, cacheFile] = process.argv.slice(2);
if (!dir || !cacheFile) throw new Error('usage: feed-index-run.js deb|rpm|ipk DIR CACHE');
const date = new Date(1_700_000_000_000);
const r =
  format === 'deb' ? await (await import('../engine/feed/index-deb.js')).indexDeb(dir, { cacheFile, date })
  : format === 'rpm' ? await (await import('../engine/feed/index-rpm.js')).indexRpm(dir, { cacheFile, date })
  : await (await import('../engine/feed/index-ipk.js')).indexIpk(dir, { cacheFile });
const phases: Record<string, number> = { boot };
let last = boot;
for (const m of performance.getEntriesByType('mark')) {
  if (!m.name.startsWith('feed:')) continue;
  const name = m.name.slice('feed:'.length);
  phases[name] = (phases[name] ?? 0) + m.startTime - last;
  last = m.startTime;
}
process.stdout.write(`${r.packages} packages, ${r.read} read\n${JSON.stringify(phases)}\n`);
