/**
 * The download lock is BitBake's: a kernel flock on `${DL_DIR}/<file>.lock`. Two tsbake
 * builds and a Python holder (fcntl.flock, as bb.utils.lockfile) sharing one DL_DIR download
 * a file once, and a holder killed with SIGKILL gives the lock up.
 */
import test from 'ava';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withDownloadLock } from '../../engine/fetch/download-lock.js';
import { hasCommand, requireTool } from '../helpers/host-tools.js';
import { startBake, tempDir, waitFor } from '../run/run-layer.js';
import { bitbakeLib } from './bitbake.js';
import { fetchLayer, sha256 } from './fetch-layer.js';
import { startHttp } from './servers.js';

const DATA = Buffer.from('shared download\n'.repeat(4096));
const FILE = 'shared-1.0.tar.gz';

/** A promise with its resolver (Promise.withResolvers is Node 22+). */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** bb.utils.lockfile's protocol: open for append, flock, check the path is still that inode. */
const PY_LOCK = `
import fcntl, os, sys
name = sys.argv[1]
while True:
    lf = open(name, 'a+')
    fcntl.flock(lf.fileno(), fcntl.LOCK_EX)
    if os.path.exists(name) and os.stat(name).st_ino == os.fstat(lf.fileno()).st_ino:
        break
    lf.close()
print('held', flush=True)
sys.stdin.readline()
`;

interface PyHolder {
  readonly child: ChildProcess;
  readonly held: Promise<void>;
}

function pythonHolder(lock: string): PyHolder {
  const child = spawn('python3', ['-c', PY_LOCK, lock], { stdio: ['pipe', 'pipe', 'inherit'] });
  const held = new Promise<void>((resolve, reject) => {
    child.stdout?.setEncoding('utf8').on('data', (s: string) => s.includes('held') && resolve());
    child.once('exit', (code) => reject(new Error(`python lock holder exited (${code ?? 'signal'})`)));
  });
  return { child, held };
}

const fetchLog = (dir: string): string => {
  const path = join(tempDir(dir, 'app'), 'log.do_fetch');
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
};

test('two tsbake builds and a Python flock holder on one DL_DIR: one download; SIGKILL releases the lock', async (t) => {
  if (!requireTool(t, hasCommand('python3'), 'python3 (Debian package python3)')) return;
  const server = await startHttp(new Map([[`/${FILE}`, { kind: 'file', data: DATA }]]));
  t.teardown(() => server.close());
  const dlDir = mkdtempSync(join(tmpdir(), 'tsbake-shared-dl-'));
  const lock = join(dlDir, `${FILE}.lock`);
  const recipe = { app_1: `SRC_URI = "${server.url}/${FILE}"\nSRC_URI[sha256sum] = "${sha256(DATA)}"\n` };
  const dirs = [fetchLayer(recipe, {}, `DL_DIR = "${dlDir}"\n`), fetchLayer(recipe, {}, `DL_DIR = "${dlDir}"\n`)];

  const py = pythonHolder(lock);
  t.teardown(() => void py.child.kill('SIGKILL'));
  await py.held;
  const builds = dirs.map((d) => startBake(d, ['-c', 'fetch', 'app']));
  t.teardown(() => builds.forEach((b) => b.child.kill('SIGKILL')));
  // Both builds wait on the lock Python holds; nothing is downloaded meanwhile.
  t.true(await waitFor(() => dirs.every((d) => fetchLog(d).includes(`waiting for ${lock}`))), dirs.map(fetchLog).join('\n'));
  t.is(server.hits.get(`/${FILE}`), undefined);
  py.child.kill('SIGKILL');
  const ends = await Promise.all(builds.map((b) => b.exit));
  t.deepEqual(ends.map((e) => e.code), [0, 0], builds.map((b) => b.output()).join('\n'));
  t.is(server.hits.get(`/${FILE}`), 1);
  t.deepEqual(readFileSync(join(dlDir, FILE)), DATA);
  // Released as BitBake releases: the lock file is removed.
  t.deepEqual(readdirSync(dlDir).sort(), [FILE, `${FILE}.done`]);
});

test('a tsbake build killed with SIGKILL in the middle of a download releases the lock to a Python holder', async (t) => {
  if (!requireTool(t, hasCommand('flock'), 'flock (Debian package util-linux)')) return;
  if (!requireTool(t, hasCommand('python3'), 'python3 (Debian package python3)')) return;
  let release: () => void = () => undefined;
  const server = await startHttp(new Map([[`/${FILE}`, { kind: 'hold', data: DATA, release: new Promise<void>((r) => (release = r)) }]]));
  t.teardown(() => {
    release();
    return server.close();
  });
  const dir = fetchLayer({ app_1: `SRC_URI = "${server.url}/${FILE}"\nSRC_URI[sha256sum] = "${sha256(DATA)}"\n` });
  const build = startBake(dir, ['-c', 'fetch', 'app']);
  t.teardown(() => void build.child.kill('SIGKILL'));
  // The download has started, so the build holds the lock.
  t.true(await waitFor(() => server.hits.get(`/${FILE}`) === 1));
  const lock = join(dir, `downloads/${FILE}.lock`);
  t.is(spawnSync('flock', ['-n', lock, 'true']).status, 1, 'the lock is taken');
  const py = pythonHolder(lock);
  t.teardown(() => void py.child.kill('SIGKILL'));
  build.child.kill('SIGKILL');
  await build.exit;
  await py.held;
  t.false(existsSync(join(dir, `downloads/${FILE}`)), 'the half download is not in DL_DIR');
});

test('BitBake\'s own bb.utils.lockfile and tsbake exclude each other; its unlockfile removing the file is handled', async (t) => {
  const lib = bitbakeLib();
  if (!requireTool(t, lib !== undefined, 'a BitBake checkout at ../bitbake or $TSBAKE_BITBAKE')) return;
  const server = await startHttp(new Map([[`/${FILE}`, { kind: 'file', data: DATA }]]));
  t.teardown(() => server.close());
  const dir = fetchLayer({ app_1: `SRC_URI = "${server.url}/${FILE}"\nSRC_URI[sha256sum] = "${sha256(DATA)}"\n` });
  const lock = join(dir, `downloads/${FILE}.lock`);
  const code = `import sys\nsys.path.insert(0, sys.argv[2])\nimport bb.utils\nlf = bb.utils.lockfile(sys.argv[1])\nprint('held', flush=True)\nsys.stdin.readline()\nbb.utils.unlockfile(lf)\n`;
  const bitbake = spawn('python3', ['-c', code, lock, lib ?? ''], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, LANG: 'en_US.UTF-8', LC_ALL: 'en_US.UTF-8' } });
  t.teardown(() => void bitbake.kill('SIGKILL'));
  await new Promise<void>((resolve) => bitbake.stdout?.setEncoding('utf8').on('data', (s: string) => s.includes('held') && resolve()));
  const build = startBake(dir, ['-c', 'fetch', 'app']);
  t.teardown(() => void build.child.kill('SIGKILL'));
  t.true(await waitFor(() => fetchLog(dir).includes(`waiting for ${lock}`)), fetchLog(dir));
  t.is(server.hits.get(`/${FILE}`), undefined);
  // BitBake unlocks by removing the file while it holds it: tsbake must lock the new one.
  bitbake.stdin?.end('\n');
  const end = await build.exit;
  t.is(end.code, 0, build.output());
  t.is(server.hits.get(`/${FILE}`), 1);
});

test('in one process, two downloads of one file take turns, and other files do not wait for them', async (t) => {
  const dl = mkdtempSync(join(tmpdir(), 'tsbake-lock-'));
  const signal = new AbortController().signal;
  const file = join(dl, FILE);
  const firstIn = deferred();
  const firstOut = deferred();
  const waits: string[] = [];
  const order: string[] = [];
  const first = withDownloadLock(file, signal, () => undefined, async () => {
    order.push('first in');
    firstIn.resolve();
    await firstOut.promise;
    order.push('first out');
  });
  await firstIn.promise;
  const second = withDownloadLock(file, signal, (line) => waits.push(line), async () => void order.push('second'));
  // Another file is not held up by the busy one.
  await withDownloadLock(join(dl, 'other-1.0.tar.gz'), signal, () => undefined, async () => void order.push('other'));
  t.true(await waitFor(() => waits.length > 0));
  t.deepEqual(order, ['first in', 'other']);
  firstOut.resolve();
  await Promise.all([first, second]);
  t.deepEqual(order, ['first in', 'other', 'first out', 'second']);
  t.regex(waits[0] ?? '', /waiting for .*shared-1\.0\.tar\.gz\.lock/);
  t.deepEqual(readdirSync(dl), [], 'every lock file is removed on release');
});

test('a download given up while it waits for the lock fails at once, and the lock stays usable', async (t) => {
  const dl = mkdtempSync(join(tmpdir(), 'tsbake-lock-'));
  const file = join(dl, FILE);
  const held = deferred();
  const release = deferred();
  const holder = withDownloadLock(file, new AbortController().signal, () => undefined, async () => {
    held.resolve();
    await release.promise;
  });
  await held.promise;
  const ac = new AbortController();
  let waiting = false;
  let ran = false;
  const given = withDownloadLock(file, ac.signal, () => (waiting = true), async () => void (ran = true));
  t.true(await waitFor(() => waiting));
  ac.abort(new Error('interrupted'));
  await t.throwsAsync(given, { message: 'interrupted' });
  release.resolve();
  await holder;
  t.is(await withDownloadLock(file, new AbortController().signal, () => undefined, async () => 'again'), 'again');
  t.false(ran);
  t.deepEqual(readdirSync(dl), []);
});
