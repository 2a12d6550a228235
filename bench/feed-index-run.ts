/**
 * `node dist/bundle/feed-index-run.js deb|rpm|ipk DIR CACHE`: indexes one feed directory the
 * way `tsbake package-index` indexes each of its feeds, as its own process, so the benchmark
 * times it like the baseline tools (process start included). It is bundled with the CLI
 * (tools/bundle.ts), so it loads the indexer's code as `tsbake` does, and only that indexer.
 * The second output line is the breakdown: per phase (`boot` = Node's own start-up, then the
 * `feed:` performance marks the indexer sets) the wall and the CPU milliseconds of this
 * process (on a loaded machine the CPU figure is the steadier one); `index` is the indexing
 * itself, in-process: from the call of the indexer, its module loaded, until it returns with
 * every output renamed into place and its cache saved, as `do_package_index` runs it inside
 * a build.
 */
const boot = { wall: performance.now(), cpu: process.cpuUsage() };
type Phase = { wall: number; cpu: number };
const phases: Record<string, Phase> = { boot: { wall: boot.wall, cpu: (boot.cpu.user + boot.cpu.system) / 1000 } };
const since = (from: typeof boot): Phase & { now: typeof boot } => {
  const now = { wall: performance.now(), cpu: process.cpuUsage() };
  return { wall: now.wall - from.wall, cpu: (now.cpu.user + now.cpu.system - from.cpu.user - from.cpu.system) / 1000, now };
};
let last = boot;
const mark = performance.mark.bind(performance);
performance.mark = (name, options) => {
  if (name.startsWith('feed:')) {
    const { wall, cpu, now } = since(last);
    phases[name.slice('feed:'.length)] = { wall, cpu };
    last = now;
  }
  return mark(name, options);
};

const [format, dir, cacheFile] = process.argv.slice(2);
if (!dir || !cacheFile) throw new Error('usage: feed-index-run.js deb|rpm|ipk DIR CACHE');
const date = new Date(1_700_000_000_000);
const index =
  format === 'deb' ? (await import('../engine/feed/index-deb.js')).indexDeb
  : format === 'rpm' ? (await import('../engine/feed/index-rpm.js')).indexRpm
  : (await import('../engine/feed/index-ipk.js')).indexIpk;
const start = { wall: performance.now(), cpu: process.cpuUsage() };
const r = await index(dir, { cacheFile, date });
const { wall, cpu } = since(start);
process.stdout.write(`${r.packages} packages, ${r.read} read\n${JSON.stringify(phases)}\n${JSON.stringify({ wall, cpu })}\n`);
