/**
 * `node dist/bench/feed-index-run.js deb|rpm|ipk DIR CACHE`: indexes one feed directory the
 * way `tsbake package-index` indexes each of its feeds, as its own process, so the benchmark
 * times it like the baseline tools (process start included). Only the one indexer is loaded.
 * The second output line is the breakdown: per phase (`boot` = Node's own start-up, then the
 * `feed:` performance marks the indexer sets) the wall and the CPU milliseconds of this
 * process (on a loaded machine the CPU figure is the steadier one).
 */
const boot = { wall: performance.now(), cpu: process.cpuUsage() };
const phases: Record<string, { wall: number; cpu: number }> = { boot: { wall: boot.wall, cpu: (boot.cpu.user + boot.cpu.system) / 1000 } };
let last = boot;
const mark = performance.mark.bind(performance);
performance.mark = (name, options) => {
  const now = { wall: performance.now(), cpu: process.cpuUsage() };
  if (name.startsWith('feed:')) {
    const cpu = (now.cpu.user + now.cpu.system - last.cpu.user - last.cpu.system) / 1000;
    phases[name.slice('feed:'.length)] = { wall: now.wall - last.wall, cpu };
    last = now;
  }
  return mark(name, options);
};

const [format, dir, cacheFile] = process.argv.slice(2);
if (!dir || !cacheFile) throw new Error('usage: feed-index-run.js deb|rpm|ipk DIR CACHE');
const date = new Date(1_700_000_000_000);
const r =
  format === 'deb' ? await (await import('../engine/feed/index-deb.js')).indexDeb(dir, { cacheFile, date })
  : format === 'rpm' ? await (await import('../engine/feed/index-rpm.js')).indexRpm(dir, { cacheFile, date })
  : await (await import('../engine/feed/index-ipk.js')).indexIpk(dir, { cacheFile });
process.stdout.write(`${r.packages} packages, ${r.read} read\n${JSON.stringify(phases)}\n`);
