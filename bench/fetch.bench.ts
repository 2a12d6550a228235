/**
 * Fetch benchmark, two figures.
 *
 * 1. 200 source tarballs (30 files each) served by a loopback HTTP server: tsbake's fetcher
 *    (fetchAll + unpackAll, in this process, checksums checked, .done stamps written) against
 *    `curl -o` then `tar -xzf` of the same tarballs, in the same run, alternating, both with
 *    BB_NUMBER_THREADS-style parallelism (4 at a time). Goal: <= 1.2 x. The server runs in a
 *    process of its own, so that it competes with neither side for this process's event loop,
 *    and both sides are timed the same way (wall clock, no /proc sampling). tsbake does more:
 *    it verifies checksums, takes the download locks and writes .done stamps.
 * 2. A no-op `tsbake world` of 200 recipes that fetch (SRC_URI over HTTP, .done stamps
 *    current, server stopped) against the same layer whose recipes fetch nothing. Goal: the
 *    fetching layer costs no more (ratio ~1; nothing is contacted, nothing parsed).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import PQueue from 'p-queue';
import { fetchAll, fetchSettings } from '../engine/fetch/fetcher.js';
import { unpackAll } from '../engine/fetch/unpack.js';
import { InlinePythonHost } from '../engine/metadata/inline-python/host.js';
import { PythonWorker } from '../engine/metadata/python/worker-client.js';
import { MetadataSession } from '../engine/metadata/session.js';
import { measure, median, seconds, series, type Bench, type BenchContext } from './harness.js';
import { TSBAKE, TSBAKE_ENV } from './tools.js';

const N = 200;
const PARALLEL = 4;
const FETCH_GOAL = 1.2;

const hasCommand = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

/** N tarballs pkgN-1.0.tar.gz of 30 small text files each, by URL path. */
function makeTarballs(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (let i = 0; i < N; i++) {
    const name = `pkg${i}-1.0`;
    mkdirSync(join(dir, name, 'src'), { recursive: true });
    for (let f = 0; f < 30; f++) writeFileSync(join(dir, name, 'src', `file${f}.c`), `/* ${name} file ${f} */\n${`int f${f}_${i}(int x) { return x * ${f} + ${i}; }\n`.repeat(40)}`);
    out.set(`/${name}.tar.gz`, spawnSync('tar', ['-czf', '-', name], { cwd: dir, maxBuffer: 1 << 26 }).stdout);
  }
  return out;
}

/** The loopback server: every file of argv[1] by name, from memory; prints its port. */
const SERVER = `
const { createServer } = require('node:http');
const { readdirSync, readFileSync } = require('node:fs');
const files = new Map(readdirSync(process.argv[1]).map((n) => ['/' + n, readFileSync(process.argv[1] + '/' + n)]));
const server = createServer((req, res) => {
  const data = files.get(req.url);
  if (!data) return void res.writeHead(404).end();
  res.writeHead(200, { 'content-length': data.length }).end(data);
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

async function startServer(dir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['-e', SERVER, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      if (out.includes('\n')) resolve(out.trim());
    });
    child.once('exit', (code) => reject(new Error(`the bench HTTP server exited (${code ?? 'signal'})`)));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

/** Wall time of `sh -c script args`, timed as fetchAndUnpack is (no /proc sampling). */
async function shellWall(script: string, args: readonly string[], cwd: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  const child = spawn('sh', ['-c', script, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (errors += s));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`curl+tar exited ${code ?? 'signal'}: ${errors.slice(-1000)}`);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

const BBLAYERS = 'BBPATH = "${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "${TOPDIR}"\n';
const LAYER = 'BBPATH .= ":${LAYERDIR}"\nBBFILES += "${LAYERDIR}/recipes/*.bb"\nBBFILE_COLLECTIONS += "b"\nBBFILE_PATTERN_b = "^${LAYERDIR}/"\nBBFILE_PRIORITY_b = "5"\n';
const CONF = [
  'TMPDIR = "${TOPDIR}/tmp"', 'CACHE = "${TOPDIR}/cache"',
  `PN = "\${@bb.parse.vars_from_file(d.getVar('FILE', False),d)[0] or 'defaultpkgname'}"`,
  `PV = "\${@bb.parse.vars_from_file(d.getVar('FILE', False),d)[1] or '1.0'}"`,
  'PR = "r0"', 'BP = "${PN}-${PV}"', 'WORKDIR = "${TMPDIR}/work/${PN}"', 'T = "${WORKDIR}/temp"', 'STAMP = "${TMPDIR}/stamps/${PN}"',
  'UNPACKDIR = "${WORKDIR}/sources"', 'S = "${UNPACKDIR}/${BP}"', 'B = "${S}"', 'DL_DIR = "${TOPDIR}/downloads"',
  `FILE_DIRNAME = "\${@os.path.dirname(d.getVar('FILE', False))}"`, 'FILESPATH = "${FILE_DIRNAME}/files"',
  'BB_NUMBER_THREADS = "4"', 'BB_BASEHASH_IGNORE_VARS = "TMPDIR FILE PATH PWD BBPATH THISDIR FILE_DIRNAME HOME TOPDIR CACHE DL_DIR"', 'export PATH', '',
].join('\n');
const BASE = [
  "python do_fetch() {\n    bb.fetch2.Fetch((d.getVar('SRC_URI') or '').split(), d).download()\n}",
  'do_fetch[dirs] = "${DL_DIR}"', 'do_fetch[network] = "1"', 'do_fetch[file-checksums] = "${@bb.fetch.get_checksum_file_list(d)}"', 'addtask fetch',
  "python do_unpack() {\n    bb.fetch2.Fetch((d.getVar('SRC_URI') or '').split(), d).unpack(d.getVar('UNPACKDIR'))\n}",
  'do_unpack[dirs] = "${UNPACKDIR}"', 'do_unpack[cleandirs] = "${UNPACKDIR}"', 'addtask unpack after do_fetch',
  'do_build[noexec] = "1"', 'addtask build after do_unpack', '',
].join('\n');

/** A build directory that is its own layer: pkgN_1.0.bb fetching from `url` (or nothing). */
function layer(dir: string, tarballs: ReadonlyMap<string, Buffer>, url: string | undefined): string {
  for (const [rel, text] of Object.entries({ 'conf/bblayers.conf': BBLAYERS, 'conf/layer.conf': LAYER, 'conf/bitbake.conf': CONF, 'classes/base.bbclass': BASE })) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  mkdirSync(join(dir, 'recipes'), { recursive: true });
  for (const [path, data] of tarballs) {
    const name = path.slice(1, -'-1.0.tar.gz'.length);
    const body = url ? `SRC_URI = "${url}${path}"\nSRC_URI[sha256sum] = "${sha256(data)}"\n` : 'SRC_URI = ""\n';
    writeFileSync(join(dir, 'recipes', `${name}_1.0.bb`), body);
  }
  return dir;
}

async function fetchAndUnpack(dir: string): Promise<void> {
  const python = new InlinePythonHost(new PythonWorker());
  const session = MetadataSession.open({ cwd: dir, env: { BBPATH: dir, PATH: process.env['PATH'] }, storeEnv: { python, tracking: false } });
  const recipes = session.files().recipes;
  const stores = recipes.map((f) => session.parseRecipe(f)[0]?.store);
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LC_ALL: 'C' };
  const signal = new AbortController().signal;
  const t0 = process.hrtime.bigint();
  const queue = new PQueue({ concurrency: PARALLEL });
  for (const store of stores) {
    if (!store) continue;
    void queue.add(async () => {
      await fetchAll({ settings: fetchSettings(store, env), store, log: () => undefined, progress: () => undefined, signal, env });
      await unpackAll({ store, log: () => undefined, signal, env });
    });
  }
  await queue.onIdle();
  lastFetchS = Number(process.hrtime.bigint() - t0) / 1e9;
}
let lastFetchS = 0;

async function fetchFigure(ctx: BenchContext, root: string, tarballs: ReadonlyMap<string, Buffer>, url: string): Promise<void> {
  const ours: number[] = [];
  const theirs: number[] = [];
  const withCurl = hasCommand('curl');
  if (!withCurl) ctx.note('fetch: curl not found (Debian: curl); printing tsbake times only');
  const names = [...tarballs.keys()].map((p) => p.slice(1)).join('\n');
  const script = 'mkdir -p "$2/$1" && curl -sSf -o "$3/$1" "$4/$1" && tar -xzf "$3/$1" -C "$2/$1"';
  for (let i = 0; i < ctx.runs; i++) {
    const dir = layer(join(root, `ts-${i}`), tarballs, url);
    // Parsing is not part of the figure (fetchAndUnpack times only fetch and unpack).
    await fetchAndUnpack(dir);
    ours.push(lastFetchS);
    rmSync(dir, { recursive: true, force: true });
    if (withCurl) {
      const out = join(root, `curl-${i}`);
      mkdirSync(join(out, 'dl'), { recursive: true });
      mkdirSync(join(out, 'src'));
      writeFileSync(join(out, 'list'), names);
      theirs.push(await shellWall(`xargs -P ${PARALLEL} -I{} sh -c '${script}' sh {} "$0/src" "$0/dl" "$1" < "$0/list"`, [out, url], out));
      rmSync(out, { recursive: true, force: true });
    }
  }
  const pairs = withCurl ? `  curl+tar ${theirs.map((x) => x.toFixed(2)).join(' ')}  ratios ${ours.map((x, i) => (x / (theirs[i] ?? Number.NaN)).toFixed(2)).join(' ')}` : '';
  // The machine may be shared: the load says how much the figures can be trusted.
  ctx.note(`fetch: runs tsbake ${ours.map((x) => x.toFixed(2)).join(' ')}${pairs}  load ${loadavg()[0]?.toFixed(1) ?? '?'}`);
  const ts = median(ours);
  const parts = [`fetch+unpack ${N} tarballs`, `tsbake ${seconds(ts)}`];
  if (withCurl) parts.push(`curl+tar ${seconds(median(theirs))}`, `ratio ${(ts / median(theirs)).toFixed(2)} (goal <= ${FETCH_GOAL})`);
  ctx.out(parts.join('  '));
}

async function noopFigure(ctx: BenchContext, root: string, tarballs: ReadonlyMap<string, Buffer>, url: string, stop: () => Promise<void>): Promise<void> {
  const fetching = layer(join(root, 'noop-fetch'), tarballs, url);
  const plain = layer(join(root, 'noop-plain'), tarballs, undefined);
  for (const dir of [fetching, plain]) {
    const first = await measure('node', [TSBAKE, '--no-progress', ...[...tarballs.keys()].map((p) => p.slice(1, -'-1.0.tar.gz'.length))], { cwd: dir, env: TSBAKE_ENV, expectStatus: 0 });
    if (first.status !== 0) throw new Error(`first build in ${dir} failed: ${first.stdout.slice(-500)}`);
  }
  await stop();
  const targets = [...tarballs.keys()].map((p) => p.slice(1, -'-1.0.tar.gz'.length));
  const run = (dir: string) => () => measure('node', [TSBAKE, '--no-progress', ...targets], { cwd: dir, env: TSBAKE_ENV, expectStatus: 0 });
  const a = await series(ctx.runs, () => undefined, run(fetching));
  const b = await series(ctx.runs, () => undefined, run(plain));
  for (const m of [...a.runs, ...b.runs]) if (!/Attempted \d+ tasks of which (\d+) didn't need/.test(m.stdout) || m.status !== 0) throw new Error(`no-op failed: ${m.stdout.slice(-500)}`);
  ctx.out(`no-op ${N} recipes  fetching ${seconds(a.wallS)}  not fetching ${seconds(b.wallS)}  ratio ${(a.wallS / b.wallS).toFixed(2)} (goal ~1)`);
}

export const fetchBench: Bench = {
  name: 'fetch',
  description: `fetch+unpack of ${N} tarballs from loopback HTTP vs curl+tar; no-op build with ${N} fetched recipes vs none`,
  async run(ctx) {
    const root = mkdtempSync(join(tmpdir(), 'tsbake-bench-fetch-'));
    const tarballs = makeTarballs(join(root, 'src'));
    const www = join(root, 'www');
    mkdirSync(www);
    for (const [path, data] of tarballs) writeFileSync(join(www, path), data);
    const server = await startServer(www);
    let open = true;
    const stop = async (): Promise<void> => {
      if (!open) return;
      open = false;
      const exited = new Promise((r) => server.child.once('exit', r));
      server.child.kill();
      await exited;
    };
    try {
      await fetchFigure(ctx, root, tarballs, server.url);
      await noopFigure(ctx, root, tarballs, server.url, stop);
    } finally {
      await stop();
      if (ctx.keep) ctx.note(`kept ${root}`);
      else rmSync(root, { recursive: true, force: true });
    }
  },
};
