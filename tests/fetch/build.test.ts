import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendConf, started, sorted } from '../run/run-layer.js';
import { bakeAsync, fetchLayer, sha256 } from './fetch-layer.js';
import { startHttp } from './servers.js';

function tarball(version: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'tsbake-src-'));
  mkdirSync(join(dir, `lib-${version}`));
  writeFileSync(join(dir, `lib-${version}/lib.txt`), 'lib version 1\n');
  return spawnSync('tar', ['-czf', '-', `lib-${version}`], { cwd: dir }).stdout;
}

const PATCH = '--- a/app.txt\n+++ b/app.txt\n@@ -1 +1 @@\n-app\n+app, patched\n';

/** app (local tarball + patch, DEPENDS on lib) and lib (a tarball over HTTP). */
async function project(t: ExecutionContext) {
  const lib = tarball('2.0');
  const server = await startHttp(new Map([['/lib-2.0.tar.gz', { kind: 'file', data: lib }]]));
  t.teardown(() => server.close());
  const appSrc = mkdtempSync(join(tmpdir(), 'tsbake-src-'));
  mkdirSync(join(appSrc, 'app-1.0'));
  writeFileSync(join(appSrc, 'app-1.0/app.txt'), 'app\n');
  const appTar = spawnSync('tar', ['-czf', '-', 'app-1.0'], { cwd: appSrc }).stdout;
  const dir = fetchLayer(
    {
      'app_1.0': 'DEPENDS = "lib"\nSRC_URI = "file://app-1.0.tar.gz file://fix.patch"\n',
      'lib_2.0': `SRC_URI = "${server.url}/lib-2.0.tar.gz"\nSRC_URI[sha256sum] = "${sha256(lib)}"\n`,
    },
    { 'files/app-1.0.tar.gz': appTar, 'files/fix.patch': PATCH },
  );
  return { dir, server };
}

test('a build fetches, unpacks and patches; editing a patch reruns exactly the tasks after do_fetch of its recipe', async (t) => {
  const { dir } = await project(t);
  const first = await bakeAsync(dir, ['app']);
  t.is(first.code, 0, first.out);
  t.is(readFileSync(join(dir, 'tmp/work/app/compiled'), 'utf8'), 'app, patched\n');
  t.is(readFileSync(join(dir, 'tmp/work/lib/compiled'), 'utf8'), 'lib version 1\n');
  const noop = await bakeAsync(dir, ['app']);
  t.deepEqual(started(noop.out), []);
  writeFileSync(join(dir, 'recipes/files/fix.patch'), PATCH.replace('app, patched', 'app, patched again'));
  const again = await bakeAsync(dir, ['app']);
  t.is(again.code, 0, again.out);
  t.deepEqual(sorted(started(again.out)), ['app:do_compile', 'app:do_fetch', 'app:do_patch', 'app:do_unpack']);
  t.is(readFileSync(join(dir, 'tmp/work/app/compiled'), 'utf8'), 'app, patched again\n');
});

test('files/<override>/ beats files/ for the same name, also when it appears after a cached parse', async (t) => {
  const { dir } = await project(t);
  const first = await bakeAsync(dir, ['app']);
  t.is(first.code, 0, first.out);
  mkdirSync(join(dir, 'recipes/files/qemuarm'));
  writeFileSync(join(dir, 'recipes/files/qemuarm/fix.patch'), PATCH.replace('app, patched', 'app for qemuarm'));
  const r = await bakeAsync(dir, ['app']);
  t.is(r.code, 0, r.out);
  t.deepEqual(sorted(started(r.out)), ['app:do_compile', 'app:do_fetch', 'app:do_patch', 'app:do_unpack']);
  t.is(readFileSync(join(dir, 'tmp/work/app/compiled'), 'utf8'), 'app for qemuarm\n');
});

test('--runall=fetch fetches everything the target needs; then an offline build works from DL_DIR alone', async (t) => {
  const { dir, server } = await project(t);
  const fetch = await bakeAsync(dir, ['--runall=fetch', 'app']);
  t.is(fetch.code, 0, fetch.out);
  t.deepEqual(sorted(started(fetch.out)), ['app:do_fetch', 'lib:do_fetch']);
  await server.close();
  rmSync(join(dir, 'tmp'), { recursive: true });
  appendConf(dir, 'BB_NO_NETWORK = "1"\n');
  const offline = await bakeAsync(dir, ['app']);
  t.is(offline.code, 0, offline.out);
  t.is(readFileSync(join(dir, 'tmp/work/lib/compiled'), 'utf8'), 'lib version 1\n');
  t.is(server.hits.get('/lib-2.0.tar.gz'), 1);
});

test('offline without the download: do_fetch fails naming the URL and the DL_DIR file', async (t) => {
  const { dir, server } = await project(t);
  appendConf(dir, 'BB_NO_NETWORK = "1"\n');
  const r = await bakeAsync(dir, ['lib']);
  t.is(r.code, 1);
  t.true(r.out.includes(`${server.url}/lib-2.0.tar.gz is not in DL_DIR: expected ${join(dir, 'downloads/lib-2.0.tar.gz')}`), r.out);
});

test('a local file found nowhere is an error listing every path searched', async (t) => {
  const { dir } = await project(t);
  rmSync(join(dir, 'recipes/files/fix.patch'));
  const r = await bakeAsync(dir, ['app']);
  t.not(r.code, 0);
  for (const d of ['files/qemuarm', 'files/tsbake', 'files']) t.true(r.out.includes(join(dir, 'recipes', d, 'fix.patch')), r.out);
});
