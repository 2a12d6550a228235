/**
 * DL_DIR compatibility with real BitBake (../bitbake or $TSBAKE_BITBAKE), both ways: what one
 * tool downloads (a tarball over HTTP with its .done stamp, a git clone in git2/, a gitsm
 * superproject with nested submodules) lets the other build the same recipes with
 * BB_NO_NETWORK = "1" and the servers gone; both lay out DL_DIR alike (gitsm, shallow git); and
 * AUTOREV reruns the same tasks in both.
 */
import test, { type ExecutionContext } from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool } from '../helpers/host-tools.js';
import { makeLayer } from '../helpers/layer.js';
import { git, superproject } from './git-repos.js';
import { findBitbake } from './bitbake.js';
import { bakeAsync, FETCH_UNPACK_TASKS, sha256 } from './fetch-layer.js';
import { startGitDaemon, startHttp, type GitDaemon, type TestServer } from './servers.js';

const BITBAKE_CONF = [
  'TMPDIR = "${TOPDIR}/tmp"',
  'CACHE = "${TOPDIR}/cache"',
  'PERSISTENT_DIR = "${TOPDIR}/cache"',
  `PN = "\${@bb.parse.vars_from_file(d.getVar('FILE', False),d)[0] or 'defaultpkgname'}"`,
  `PV = "\${@bb.parse.vars_from_file(d.getVar('FILE', False),d)[1] or '1.0'}"`,
  'PR = "r0"',
  'BP = "${PN}-${PV}"',
  'PF = "${PN}-${PV}-${PR}"',
  'WORKDIR = "${TMPDIR}/work/${PF}"',
  'T = "${WORKDIR}/temp"',
  'STAMP = "${TMPDIR}/stamps/${PF}"',
  'UNPACKDIR = "${WORKDIR}/sources"',
  'S = "${UNPACKDIR}/${BP}"',
  'B = "${S}"',
  'DL_DIR = "${TOPDIR}/downloads"',
  `FILE_DIRNAME = "\${@os.path.dirname(d.getVar('FILE', False))}"`,
  'FILESPATH = "${FILE_DIRNAME}/files"',
  'BB_GIT_DEFAULT_DESTSUFFIX = "${BP}"',
  'SRCREV ??= "INVALID"',
  'SRC_URI ??= ""',
  `AUTOREV = "\${@bb.fetch2.get_autorev(d)}"`,
  'BB_DEFAULT_TASK = "build"',
  'BB_SIGNATURE_HANDLER ?= "basichash"',
  'BB_BASEHASH_IGNORE_VARS = "TMPDIR TOPDIR FILE BB_CURRENTTASK BBPATH BBFILES PATH DL_DIR"',
  'BB_NUMBER_THREADS = "2"',
  'export PATH',
  'export HOME',
  'include conf/local.conf',
  '',
].join('\n');

/** BitBake runs these python bodies; tsbake binds the task names to its builtins. */
const BASE = [...FETCH_UNPACK_TASKS, 'do_build[noexec] = "1"', 'addtask build after do_unpack', ''].join('\n');

interface Upstream {
  readonly http: TestServer;
  readonly daemon: GitDaemon;
  readonly tarSum: string;
  readonly rev: string;
}

async function upstream(t: ExecutionContext): Promise<Upstream> {
  const src = mkdtempSync(join(tmpdir(), 'tsbake-compat-'));
  mkdirSync(join(src, 'app-1.0'));
  writeFileSync(join(src, 'app-1.0/hello.txt'), 'hello from the tarball\n');
  const tar = spawnSync('tar', ['-czf', '-', 'app-1.0'], { cwd: src }).stdout;
  const repo = join(src, 'git', 'lib.git');
  mkdirSync(repo, { recursive: true });
  git(repo, 'init', '-q');
  writeFileSync(join(repo, 'lib.txt'), 'hello from git\n');
  git(repo, 'add', 'lib.txt');
  git(repo, 'commit', '-qm', 'one');
  const http = await startHttp(new Map([['/app-1.0.tar.gz', { kind: 'file', data: tar }]]));
  const daemon = await startGitDaemon(join(src, 'git'));
  t.teardown(async () => {
    await http.close();
    await daemon.close();
  });
  return { http, daemon, tarSum: sha256(tar), rev: git(repo, 'rev-parse', 'HEAD') };
}

/** A build directory for both tools with `recipes/<name>.bb` for each entry. */
function compatDir(recipes: Readonly<Record<string, string>>): string {
  const files: Record<string, string> = {
    'conf/bblayers.conf': 'BBPATH = "${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "${TOPDIR}"\n',
    'conf/layer.conf': 'BBPATH .= ":${LAYERDIR}"\nBBFILES += "${LAYERDIR}/recipes/*.bb"\nBBFILE_COLLECTIONS += "compat"\nBBFILE_PATTERN_compat = "^${LAYERDIR}/"\nBBFILE_PRIORITY_compat = "5"\nLAYERSERIES_CORENAMES = "compat"\nLAYERSERIES_COMPAT_compat = "compat"\n',
    'conf/bitbake.conf': BITBAKE_CONF,
    'conf/local.conf': '',
    'classes/base.bbclass': BASE,
  };
  for (const [name, text] of Object.entries(recipes)) files[`recipes/${name}.bb`] = text;
  return makeLayer(files);
}

function compatLayer(up: Upstream): string {
  return compatDir({
    'app_1.0': `SRC_URI = "${up.http.url}/app-1.0.tar.gz"\nSRC_URI[sha256sum] = "${up.tarSum}"\n`,
    'lib_1.0': `SRC_URI = "git://127.0.0.1:${up.daemon.port}/lib.git;branch=main"\nSRCREV = "${up.rev}"\n`,
  });
}

function bitbake(script: string, dir: string, args: readonly string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    // Its own process group: BitBake's server signals its whole group when it shuts down.
    const child = spawn(script, args, { detached: true, cwd: dir, env: { ...process.env, LANG: 'en_US.UTF-8', LC_ALL: 'en_US.UTF-8', BBPATH: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.once('close', (code) => resolve({ code, out }));
  });
}

/** Stops the servers, forgets the build (not DL_DIR) and turns the network off. */
async function goOffline(up: Upstream, dir: string): Promise<void> {
  await up.http.close();
  await up.daemon.close();
  for (const d of ['tmp', 'cache']) rmSync(join(dir, d), { recursive: true, force: true });
  writeFileSync(join(dir, 'conf/local.conf'), 'BB_NO_NETWORK = "1"\n');
}

function checkSources(t: ExecutionContext, dir: string): void {
  t.is(readFileSync(join(dir, 'tmp/work/app-1.0-r0/sources/app-1.0/hello.txt'), 'utf8'), 'hello from the tarball\n');
  t.is(readFileSync(join(dir, 'tmp/work/lib-1.0-r0/sources/lib-1.0/lib.txt'), 'utf8'), 'hello from git\n');
}

test.serial('a DL_DIR filled by tsbake lets BitBake build offline, from the git2 clone or its mirror tarball', async (t) => {
  const script = findBitbake();
  if (!requireTool(t, script !== undefined, 'a BitBake checkout at ../bitbake or $TSBAKE_BITBAKE')) return;
  const up = await upstream(t);
  const dir = compatLayer(up);
  writeFileSync(join(dir, 'conf/local.conf'), 'BB_GENERATE_MIRROR_TARBALLS = "1"\n');
  const fetched = await bakeAsync(dir, ['--runall=fetch', 'app', 'lib']);
  t.is(fetched.code, 0, fetched.out);
  await goOffline(up, dir);
  const clone = await bitbake(script ?? '', dir, ['app', 'lib']);
  t.is(clone.code, 0, clone.out);
  checkSources(t, dir);
  // Only the tarball: BitBake makes its clone from git2_127.0.0.1.<port>.lib.git.tar.gz.
  rmSync(join(dir, 'downloads/git2'), { recursive: true });
  for (const d of ['tmp', 'cache']) rmSync(join(dir, d), { recursive: true, force: true });
  const r = await bitbake(script ?? '', dir, ['app', 'lib']);
  t.is(r.code, 0, r.out);
  checkSources(t, dir);
});

test.serial('a DL_DIR filled by BitBake lets tsbake build offline', async (t) => {
  const script = findBitbake();
  if (!requireTool(t, script !== undefined, 'a BitBake checkout at ../bitbake or $TSBAKE_BITBAKE')) return;
  const up = await upstream(t);
  const dir = compatLayer(up);
  const fetched = await bitbake(script ?? '', dir, ['--runall=fetch', 'app', 'lib']);
  t.is(fetched.code, 0, fetched.out);
  await goOffline(up, dir);
  const r = await bakeAsync(dir, ['app', 'lib']);
  t.is(r.code, 0, r.out);
  checkSources(t, dir);
});

/** `pn:do_task` of each task a BitBake or tsbake run started. */
const startedTasks = (out: string): string[] => [...out.matchAll(/^NOTE: recipe (\S+?)-[^-\s]+-r\d+: task (do_\w+): Started$/gm)].map((m) => `${m[1]}:${m[2]}`).sort();

test.serial('AUTOREV: BitBake and tsbake both rerun do_fetch and do_unpack after a new commit, and nothing without one', async (t) => {
  const script = findBitbake();
  if (!requireTool(t, script !== undefined, 'a BitBake checkout at ../bitbake or $TSBAKE_BITBAKE')) return;
  const repo = join(mkdtempSync(join(tmpdir(), 'tsbake-compat-autorev-')), 'lib.git');
  mkdirSync(repo);
  git(repo, 'init', '-q');
  const commit = (text: string): void => {
    writeFileSync(join(repo, 'lib.txt'), text);
    git(repo, 'add', 'lib.txt');
    git(repo, 'commit', '-qm', text);
  };
  commit('one\n');
  const layer = (): string => compatDir({ 'lib_1.0': `SRC_URI = "git://${repo};protocol=file;branch=main"\nSRCREV = "\${AUTOREV}"\n` });
  const tools = {
    bitbake: { dir: layer(), run: (dir: string) => bitbake(script ?? '', dir, ['lib']) },
    tsbake: { dir: layer(), run: (dir: string) => bakeAsync(dir, ['lib']) },
  };
  const rounds: Array<Record<string, string[]>> = [];
  for (const step of ['first', 'again', 'commit']) {
    if (step === 'commit') commit('two\n');
    const round: Record<string, string[]> = {};
    for (const [name, tool] of Object.entries(tools)) {
      const r = await tool.run(tool.dir);
      t.is(r.code, 0, `${name} ${step}:\n${r.out}`);
      round[name] = startedTasks(r.out);
      t.is(readFileSync(join(tool.dir, 'tmp/work/lib-1.0-r0/sources/lib-1.0/lib.txt'), 'utf8'), step === 'commit' ? 'two\n' : 'one\n', `${name} ${step}`);
    }
    rounds.push(round);
  }
  const both = (tasks: string[]): Record<string, string[]> => ({ bitbake: tasks, tsbake: tasks });
  t.deepEqual(rounds, [both(['lib:do_fetch', 'lib:do_unpack']), both([]), both(['lib:do_fetch', 'lib:do_unpack'])]);
});

/** Every name in DL_DIR and in its git2/, as `git2/<name>` for the latter. */
function dlDirLayout(dir: string): string[] {
  const dl = join(dir, 'downloads');
  return [...readdirSync(dl).filter((n) => n !== 'git2'), ...readdirSync(join(dl, 'git2')).map((n) => `git2/${n}`)].sort();
}

/**
 * Recipe `app` fetched by each tool with `conf` into a DL_DIR of its own; then, with `upstream`
 * moved away and BB_NO_NETWORK, each tool builds from the DL_DIR the other filled and
 * `check(tool, S)` looks at the result. Returns the DL_DIR layout BitBake made, which tsbake's
 * must equal.
 */
async function crossBuild(t: ExecutionContext, script: string, recipe: string, conf: string, upstream: string, check: (tool: string, src: string) => void): Promise<string[]> {
  const dirs = { bitbake: compatDir({ 'app_1.0': recipe }), tsbake: compatDir({ 'app_1.0': recipe }) };
  const run = (tool: string, dir: string, args: readonly string[]): Promise<{ code: number | null; out: string }> => (tool === 'bitbake' ? bitbake(script, dir, args) : bakeAsync(dir, args));
  for (const [tool, dir] of Object.entries(dirs)) {
    writeFileSync(join(dir, 'conf/local.conf'), conf);
    const r = await run(tool, dir, ['--runall=fetch', 'app']);
    t.is(r.code, 0, `${tool}:\n${r.out}`);
  }
  const layout = dlDirLayout(dirs.bitbake);
  t.deepEqual(dlDirLayout(dirs.tsbake), layout);
  renameSync(upstream, `${upstream}-gone`);
  t.teardown(() => renameSync(`${upstream}-gone`, upstream));
  const swapped = { bitbake: dirs.tsbake, tsbake: dirs.bitbake };
  for (const [tool, dir] of Object.entries(swapped)) {
    for (const d of ['tmp', 'cache']) rmSync(join(dir, d), { recursive: true, force: true });
    writeFileSync(join(dir, 'conf/local.conf'), `${conf}BB_NO_NETWORK = "1"\n`);
    const r = await run(tool, dir, ['app']);
    t.is(r.code, 0, `${tool}:\n${r.out}`);
    check(tool, join(dir, 'tmp/work/app-1.0-r0/sources/app-1.0'));
  }
  return layout;
}

/** The gitsm superproject built by both tools with `conf`; returns BitBake's DL_DIR layout and the repositories' git2 names. */
async function crossBuildSuperproject(t: ExecutionContext, script: string, conf: string): Promise<{ layout: string[]; names: string[] }> {
  const sp = superproject();
  const recipe = `SRC_URI = "gitsm://${sp.top};protocol=file;branch=main"\nSRCREV = "${sp.topRev}"\n`;
  const layout = await crossBuild(t, script, recipe, conf, sp.base, (tool, src) => {
    t.is(readFileSync(join(src, 'libs/sub/deep/deep.txt'), 'utf8'), 'deep.git\n', tool);
    t.is(git(join(src, 'libs/sub'), 'rev-parse', 'HEAD'), sp.subRev, tool);
    t.is(git(join(src, 'libs/sub/deep'), 'rev-parse', 'HEAD'), sp.deepRev, tool);
  });
  return { layout, names: ['top.git', 'sub.git', 'deep.git'].map((repo) => join(sp.base, repo).slice(1).replaceAll('/', '.')) };
}

test.serial('gitsm: BitBake and tsbake lay out the same DL_DIR (a clone and a mirror tarball per submodule), and each builds offline from the other\'s', async (t) => {
  const script = findBitbake();
  if (!requireTool(t, script !== undefined, 'a BitBake checkout at ../bitbake or $TSBAKE_BITBAKE')) return;
  const { layout, names } = await crossBuildSuperproject(t, script ?? '', 'BB_GENERATE_MIRROR_TARBALLS = "1"\n');
  for (const name of names) t.true(layout.includes(`git2/${name}`) && layout.includes(`git2_${name}.tar.gz`), layout.join('\n'));
});

test.serial('gitsm with BB_GIT_SHALLOW: the same gitsmshallow_ tarballs and no clones in both, and each builds offline from the other\'s', async (t) => {
  const script = findBitbake();
  if (!requireTool(t, script !== undefined, 'a BitBake checkout at ../bitbake or $TSBAKE_BITBAKE')) return;
  const { layout, names } = await crossBuildSuperproject(t, script ?? '', 'BB_GIT_SHALLOW = "1"\n');
  for (const name of names) t.true(layout.some((l) => l.startsWith(`gitsmshallow_${name}_`)) && !layout.includes(`git2/${name}`), layout.join('\n'));
});

test.serial('BB_GIT_SHALLOW: BitBake and tsbake keep the same gitshallow_ tarball and no clone, and each unpacks the other\'s two commits deep', async (t) => {
  const script = findBitbake();
  if (!requireTool(t, script !== undefined, 'a BitBake checkout at ../bitbake or $TSBAKE_BITBAKE')) return;
  const base = mkdtempSync(join(tmpdir(), 'tsbake-compat-shallow-'));
  const repo = join(base, 'lib.git');
  mkdirSync(repo);
  git(repo, 'init', '-q');
  for (const text of ['one\n', 'two\n', 'three\n']) {
    writeFileSync(join(repo, 'lib.txt'), text);
    git(repo, 'add', 'lib.txt');
    git(repo, 'commit', '-qm', text);
  }
  const head = git(repo, 'rev-parse', 'HEAD');
  const recipe = `SRC_URI = "git://${repo};protocol=file;branch=main"\nSRCREV = "${head}"\n`;
  const layout = await crossBuild(t, script ?? '', recipe, 'BB_GIT_SHALLOW = "1"\nBB_GIT_SHALLOW_DEPTH = "2"\n', base, (tool, src) => {
    t.is(git(src, 'rev-parse', 'HEAD'), head, tool);
    t.is(git(src, 'rev-list', '--count', 'HEAD'), '2', tool);
  });
  const tarball = `gitshallow_${repo.slice(1).replaceAll('/', '.')}_${head.slice(0, 7)}-2_main.tar.gz`;
  t.deepEqual(layout, [tarball, `${tarball}.done`, `git2/${repo.slice(1).replaceAll('/', '.')}.done`].sort());
});
