import test from 'ava';
import { spawnSync } from 'node:child_process';
import { createServer, type RequestListener } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { createReadStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hasCommand, requireTool } from '../../helpers/host-tools.js';
import { join, relative } from 'node:path';
import type { AddressInfo } from 'node:net';
import { appendConf, bake, command, RUN_BASE, runLayer, startBake, started, tasksSummary } from '../../run/run-layer.js';

/**
 * do_deploy is an sstate task: it writes into ${WORKDIR}/deploy-out, which the store archives
 * and installs into the shared ${TMPDIR}/deploy.
 */
const SSTATE_CONF = [
  'SSTATE_DIR = "${TOPDIR}/sstate-cache"',
  'SOURCE_DATE_EPOCH = "1700000000"',
  'DEPLOY_DIR = "${TMPDIR}/deploy"',
  '',
].join('\n');
const SSTATE_CLASS = [
  'SSTATETASKS += "do_deploy"',
  'do_deploy() {',
  '\techo "${PN} deployed" > ${WORKDIR}/deploy-out/${PN}.txt',
  '}',
  'do_deploy[dirs] = "${WORKDIR}/deploy-out"',
  'do_deploy[cleandirs] = "${WORKDIR}/deploy-out"',
  'do_deploy[sstate-inputdirs] = "${WORKDIR}/deploy-out"',
  'do_deploy[sstate-outputdirs] = "${DEPLOY_DIR}"',
  'addtask deploy after do_install',
  'addtask deploy_setscene',
  '# what a recipe needs of its DEPENDS is their deployed output (as oe-core needs their sysroot)',
  'do_compile[deptask] = "do_deploy"',
  'do_build[noexec] = "1"',
  'addtask build after do_deploy',
  '',
].join('\n');

/** fetch → compile → install → deploy (sstate) → build (noexec), as oe-core's chains end. */
const BASE = RUN_BASE.split('\n').filter((l) => !/build/.test(l)).join('\n') + '\n';

function layer(): string {
  return runLayer({ lib_1: '', app_1: 'DEPENDS = "lib"\n' }, { conf: SSTATE_CONF, base: BASE + SSTATE_CLASS });
}

function objects(dir: string): string[] {
  const root = join(dir, 'sstate-cache');
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(root, p));
    }
  };
  if (existsSync(root)) walk(root);
  return out.sort();
}

test('a build from an empty TMPDIR with a full SSTATE_DIR runs no real task that has a setscene, nor what it needs; every object the graph can use is restored', (t) => {
  const dir = layer();
  const first = bake(dir, ['app']);
  t.is(first.status, 0, first.stderr + first.stdout);
  t.regex(first.stdout, /Sstate summary: Wanted 2 Local 0 Mirrors 0 Missed 2 Current 0 \(0% match, 0% complete\)/);
  t.is(objects(dir).filter((o) => o.endsWith('_deploy.tar.zst')).length, 2);
  t.is(objects(dir).filter((o) => o.endsWith('_deploy.tar.zst.siginfo')).length, 2);

  rmSync(join(dir, 'tmp'), { recursive: true });
  const again = bake(dir, ['app']);
  t.is(again.status, 0, again.stderr);
  t.regex(again.stdout, /Sstate summary: Wanted 2 Local 2 Mirrors 0 Missed 0 Current 0 \(100% match, 0% complete\)/);
  t.deepEqual(started(again.stdout), [], "nothing ran: app's deploy was restored, and nothing it needs had to be");
  t.true(statSync(join(dir, 'tmp/deploy/app.txt')).isFile());
  t.regex(command(dir, ['why', 'app:do_deploy']).stdout, /the signature is unchanged/, 'a restore records the signature it restored');
  // As BitBake without a BB_SETSCENE_DEPVALID hook: a dependency's setscene is not skipped.
  t.true(statSync(join(dir, 'tmp/deploy/lib.txt')).isFile(), "lib's deploy is restored too; restores merge into the shared deploy directory");

  const both = bake(dir, ['app', 'lib']);
  t.deepEqual(started(both.stdout), []);

  const noop = bake(dir, ['app', 'lib']);
  t.deepEqual(started(noop.stdout), []);
  t.regex(noop.stdout, /Current 2 \(0% match, 100% complete\)/);
});

test('a variable change reruns exactly the tasks that depend on it, the rest comes from sstate', (t) => {
  const dir = layer();
  t.is(bake(dir, ['app']).status, 0);
  rmSync(join(dir, 'tmp'), { recursive: true });
  writeFileSync(join(dir, 'recipes/app_1.bb'), 'DEPENDS = "lib"\nAPPVAR = "2"\ndo_deploy:append() {\n\techo ${APPVAR} >> ${WORKDIR}/deploy-out/${PN}.txt\n}\n');
  const r = bake(dir, ['app']);
  t.is(r.status, 0, r.stderr);
  t.deepEqual(started(r.stdout).sort(), ['app:do_compile', 'app:do_deploy', 'app:do_fetch', 'app:do_install']);
  t.false(started(r.stdout).some((s) => s.startsWith('lib:')), "lib's deploy was restored and its install is not needed by app's");
});

test("a dependency whose object is missing is built for real, even when what depends on it was restored", (t) => {
  const dir = layer();
  t.is(bake(dir, ['app']).status, 0);
  const lib = objects(dir).filter((o) => o.includes('sstate:lib:'));
  t.is(lib.length, 2);
  for (const o of lib) rmSync(join(dir, 'sstate-cache', o));
  rmSync(join(dir, 'tmp'), { recursive: true });
  const r = bake(dir, ['app']);
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /Sstate summary: Wanted 2 Local 1 Mirrors 0 Missed 1 Current 0/);
  t.deepEqual(started(r.stdout).sort(), ['lib:do_compile', 'lib:do_deploy', 'lib:do_fetch', 'lib:do_install']);
});

test('a corrupt object is a warning and a miss: the task runs instead', (t) => {
  const dir = layer();
  t.is(bake(dir, ['lib']).status, 0);
  const obj = objects(dir).find((o) => o.endsWith('_deploy.tar.zst'));
  t.truthy(obj);
  writeFileSync(join(dir, 'sstate-cache', obj ?? ''), 'not zstd at all');
  rmSync(join(dir, 'tmp'), { recursive: true });
  const r = bake(dir, ['lib']);
  t.is(r.status, 0, r.stderr + r.stdout);
  t.regex(r.stdout + r.stderr, /WARNING: .*lib:do_deploy.*the task runs instead/);
  t.true(started(r.stdout).includes('lib:do_deploy'));
});

/** An HTTP handler serving `mirrorDir` under /sstate/, counting requests. */
function serveMirror(mirrorDir: string, count: () => void): RequestListener {
  return (req, res) => {
    count();
    const path = join(mirrorDir, decodeURIComponent((req.url ?? '').replace(/^\/sstate\//, '')));
    if (!existsSync(path)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-length': statSync(path).size });
    if (req.method === 'HEAD') res.end();
    else createReadStream(path).pipe(res);
  };
}

test('SSTATE_MIRRORS: a file:// mirror and an http:// mirror supply objects', async (t) => {
  const producer = layer();
  t.is(bake(producer, ['app']).status, 0);
  const mirrorDir = join(producer, 'sstate-cache');

  const viaFile = layer();
  appendConf(viaFile, `SSTATE_MIRRORS = "file://.* file://${mirrorDir}/PATH"\n`);
  const fromFile = bake(viaFile, ['app']);
  t.regex(fromFile.stdout, /Sstate summary: Wanted 2 Local 0 Mirrors 2 Missed 0/);
  t.deepEqual(started(fromFile.stdout), []);

  let requests = 0;
  const server = createServer(serveMirror(mirrorDir, () => requests++));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as AddressInfo).port;
    const viaHttp = layer();
    appendConf(viaHttp, `SSTATE_MIRRORS = "file://.* http://127.0.0.1:${port}/sstate/PATH"\n`);
    // The server lives in this process, so the builds must run without blocking it.
    const live = startBake(viaHttp, ['app']);
    await live.exit;
    t.regex(live.output(), /Mirrors 2 Missed 0/);
    t.deepEqual(started(live.output()), []);
    t.true(requests > 0);
    requests = 0;
    const offline = layer();
    appendConf(offline, `SSTATE_MIRRORS = "file://.* http://127.0.0.1:${port}/sstate/PATH"\nBB_NO_NETWORK = "1"\n`);
    const off = startBake(offline, ['app']);
    t.is((await off.exit).code, 0, off.output());
    t.regex(off.output(), /Mirrors 0 Missed 2/, 'BB_NO_NETWORK skips network mirrors');
    t.regex(off.output(), new RegExp(`NOTE: BB_NO_NETWORK is set: not trying sstate mirror http://127\\.0\\.0\\.1:${port}/`));
    t.is(requests, 0, 'the mirror server saw no request');
  } finally {
    server.close();
  }
  t.truthy(tasksSummary(fromFile.stdout));
});

test('an https:// mirror with a self-signed certificate, trusted through NODE_EXTRA_CA_CERTS', async (t) => {
  if (!requireTool(t, hasCommand('openssl'), 'openssl (Debian package openssl)')) return;
  const producer = layer();
  t.is(bake(producer, ['app']).status, 0);
  const certDir = mkdtempSync(join(tmpdir(), 'tsbake-tls-'));
  const [key, cert] = [join(certDir, 'key.pem'), join(certDir, 'cert.pem')];
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { encoding: 'utf8' });
  t.is(made.status, 0, made.stderr);
  let requests = 0;
  const server = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, serveMirror(join(producer, 'sstate-cache'), () => requests++));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as AddressInfo).port;
    const mirror = `SSTATE_MIRRORS = "file://.* https://127.0.0.1:${port}/sstate/PATH"\n`;
    // Without the certificate the mirror is not trusted: a warning per object, and every task runs.
    const untrusted = layer();
    appendConf(untrusted, mirror);
    const refused = startBake(untrusted, ['app']);
    t.is((await refused.exit).code, 0, refused.output());
    t.regex(refused.output(), /Mirrors 0 Missed 2/);
    t.regex(refused.output(), /WARNING: sstate mirror https:\/\/127\.0\.0\.1:\d+\/.*certificate/i);
    const trusted = layer();
    appendConf(trusted, mirror);
    const live = startBake(trusted, ['app'], { NODE_EXTRA_CA_CERTS: cert });
    t.is((await live.exit).code, 0, live.output());
    t.regex(live.output(), /Sstate summary: Wanted 2 Local 0 Mirrors 2 Missed 0/);
    t.deepEqual(started(live.output()), []);
    t.true(requests > 0);
  } finally {
    server.close();
  }
});

test('a no-op build with shared state tasks replays its report, Sstate summary included, until a stamp goes', (t) => {
  const dir = layer();
  t.is(bake(dir, ['app']).status, 0);
  const timed = { TSBAKE_TIMINGS: '1' };
  const recorded = bake(dir, ['app'], timed);
  t.regex(recorded.stderr, /^tsbake-timings: .*graph \d+ms/m);
  const replayed = bake(dir, ['app'], timed);
  t.is(replayed.status, 0, replayed.stderr);
  t.notRegex(replayed.stderr, /^tsbake-timings: .*graph \d+ms/m, 'replayed without a task graph');
  t.is(replayed.stdout, recorded.stdout);
  t.regex(replayed.stdout, /Sstate summary: Wanted 0 Local 0 Mirrors 0 Missed 0 Current 2/);
  const stampDir = join(dir, 'tmp/stamps');
  const deploy = readdirSync(stampDir).find((n) => n.startsWith('app.do_deploy.') && !n.includes('sigdata'));
  rmSync(join(stampDir, deploy ?? 'missing'));
  const restored = bake(dir, ['app'], timed);
  t.is(restored.status, 0, restored.stderr);
  t.regex(restored.stdout, /Sstate summary: Wanted 1 Local 1 Mirrors 0 Missed 0 Current 1/);
  t.deepEqual(started(restored.stdout), []);
});
