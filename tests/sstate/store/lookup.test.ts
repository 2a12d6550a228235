import test from 'ava';
import { createReadStream, existsSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { BuildEvent } from '../../../engine/core/log/events.js';
import { findObject, hasObject, hasObjects, mirrorUrl, parseMirrors } from '../../../sstate/store/lookup.js';
import { objectName, objectPath, objectRelPath, siginfoPath } from '../../../sstate/store/naming.js';
import { tempDir } from './fixture-tree.js';

const nameFor = (hash: string): string => objectName({ pn: 'demo', packageArch: 'core2-64-poky-linux', pv: '1.0', pr: 'r0', pkgArch: 'core2-64', version: '14', hash, task: 'do_populate_sysroot' });
const NAME = nameFor('abcdef0123456789');
const REL = objectRelPath(NAME);

function put(root: string, name: string, body: string, siginfo?: string): string {
  const p = objectPath(root, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, body);
  if (siginfo !== undefined) writeFileSync(siginfoPath(p), siginfo);
  return p;
}

/** A static file server on 127.0.0.1 for `root`, counting requests; /fail/* answers 500. */
async function serve(root: string): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(`${req.method ?? '?'} ${path}`);
    if (path.startsWith('/fail/')) {
      res.writeHead(500).end('boom');
      return;
    }
    if (path.startsWith('/moved/')) {
      res.writeHead(302, { location: path.replace('/moved/', '/sstate/') }).end();
      return;
    }
    const file = join(root, path.replace(/^\/sstate\//, ''));
    if (!path.startsWith('/sstate/') || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-length': statSync(file).size });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

test('SSTATE_MIRRORS: pairs, \\n separators, PATH replaced by <h0:2>/<h2:4>/<name>', (t) => {
  const events: BuildEvent[] = [];
  const rules = parseMirrors('file://.* file:///srv/sstate/PATH \\n file://.* http://host:8080/sstate/PATH;downloadfilename=PATH \\n', (e) => events.push(e));
  t.is(rules.length, 2);
  t.is(mirrorUrl(rules[0] ?? { find: '', replace: '' }, REL), `file:///srv/sstate/${REL}`);
  t.is(mirrorUrl(rules[1] ?? { find: '', replace: '' }, REL), `http://host:8080/sstate/${REL}`);
  t.is(mirrorUrl({ find: 'file://.*', replace: 'https://cdn.example/all/BASENAME' }, REL), `https://cdn.example/all/${NAME}`);
  t.is(mirrorUrl({ find: 'https://.*', replace: 'file:///x/PATH' }, REL), undefined, 'only file:// finds apply to sstate');
  t.is(mirrorUrl({ find: 'file://ab/.*', replace: 'file:///x/PATH' }, REL), `file:///x/${REL}`);
  t.is(mirrorUrl({ find: 'file://zz/.*', replace: 'file:///x/PATH' }, REL), undefined, 'the path regex must match');
  t.deepEqual(events, []);
  parseMirrors('file://.* file:///a/PATH file://.*', (e) => events.push(e));
  t.is(events[0]?.kind, 'warning');
});

test('a local object is found first and touched (age means last used)', async (t) => {
  const work = tempDir(t, 'local');
  const cache = join(work, 'cache');
  const p = put(cache, NAME, 'object', '{}');
  utimesSync(p, 1000, 1000);
  utimesSync(siginfoPath(p), 1000, 1000);
  const found = await findObject(NAME, { sstateDir: cache, mirrors: 'file://.* file:///nonexistent/PATH' });
  t.deepEqual(found, { path: p, source: 'local' });
  t.true(statSync(p).mtimeMs > Date.now() - 60_000);
  t.true(statSync(siginfoPath(p)).mtimeMs > Date.now() - 60_000);
  t.is(await hasObject(NAME, { sstateDir: cache }), 'local');
  t.is(await findObject(nameFor('ffff000011112222'), { sstateDir: cache }), undefined);
});

test('a file:// mirror hit is copied into SSTATE_DIR with its siginfo; a miss goes on to the next mirror', async (t) => {
  const work = tempDir(t, 'filemirror');
  const cache = join(work, 'cache');
  const mirrorA = join(work, 'mirror-a');
  const mirrorB = join(work, 'mirror-b');
  mkdirSync(mirrorA);
  put(mirrorB, NAME, 'from b', '{"sig":1}');
  const mirrors = `file://.* file://${mirrorA}/PATH file://.* file://${mirrorB}/PATH`;
  t.is(await hasObject(NAME, { sstateDir: cache, mirrors }), 'mirror');
  const found = await findObject(NAME, { sstateDir: cache, mirrors });
  t.is(found?.source, 'mirror');
  t.is(found?.path, objectPath(cache, NAME));
  t.is(readFileSync(objectPath(cache, NAME), 'utf8'), 'from b');
  t.is(readFileSync(siginfoPath(objectPath(cache, NAME)), 'utf8'), '{"sig":1}');
  t.deepEqual((await findObject(NAME, { sstateDir: cache, mirrors }))?.source, 'local', 'the copy is local now');
  t.is(await findObject(nameFor('0000111122223333'), { sstateDir: cache, mirrors }), undefined);
});

test('an HTTP mirror: hit (with siginfo), 404 miss, 500 warning and miss, redirects, BB_NO_NETWORK', async (t) => {
  const work = tempDir(t, 'http');
  const remote = join(work, 'remote');
  put(remote, NAME, 'remote object', '{"remote":true}');
  const server = await serve(remote);
  try {
    const events: BuildEvent[] = [];
    const base = { mirrors: `file://.* ${server.url}/fail/PATH file://.* ${server.url}/sstate/PATH;downloadfilename=PATH`, events: (e: BuildEvent) => events.push(e) };

    const cache = join(work, 'cache');
    const found = await findObject(NAME, { ...base, sstateDir: cache });
    t.is(found?.source, 'mirror');
    t.is(found?.url, `${server.url}/sstate/${REL}`);
    t.is(readFileSync(objectPath(cache, NAME), 'utf8'), 'remote object');
    t.is(readFileSync(siginfoPath(objectPath(cache, NAME)), 'utf8'), '{"remote":true}');
    t.true(events.some((e) => e.kind === 'warning' && /HTTP 500/.test(e.message)), 'the failing mirror is a warning');

    const missName = nameFor('9999888877776666');
    t.is(await findObject(missName, { ...base, sstateDir: cache }), undefined);
    t.true(server.requests.includes(`GET /sstate/${objectRelPath(missName)}`));
    t.false(existsSync(join(cache, '99')) && existsSync(objectPath(cache, missName)));

    const moved = await findObject(NAME, { sstateDir: join(work, 'cache2'), mirrors: `file://.* ${server.url}/moved/PATH` });
    t.is(moved?.source, 'mirror', 'redirect followed');

    const offlineEvents: BuildEvent[] = [];
    const before = server.requests.length;
    const offline = await findObject(NAME, { sstateDir: join(work, 'cache3'), mirrors: base.mirrors, noNetwork: true, events: (e) => offlineEvents.push(e) });
    t.is(offline, undefined);
    t.is(server.requests.length, before, 'no request with BB_NO_NETWORK');
    t.true(offlineEvents.some((e) => e.kind === 'note' && /BB_NO_NETWORK/.test(e.message)));
    t.is(await hasObject(NAME, { sstateDir: join(work, 'cache3'), mirrors: base.mirrors, noNetwork: true }), undefined);
  } finally {
    await server.close();
  }
});

test('hasObjects checks many objects in parallel with HEAD requests and a concurrency limit', async (t) => {
  const work = tempDir(t, 'many');
  const remote = join(work, 'remote');
  const cache = join(work, 'cache');
  const names = Array.from({ length: 40 }, (_, i) => nameFor(`${(i * 7919).toString(16).padStart(4, '0')}aa${i}`));
  names.forEach((n, i) => {
    if (i % 3 === 0) put(remote, n, 'r');
    if (i % 5 === 0) put(cache, n, 'l');
  });
  const server = await serve(remote);
  try {
    const result = await hasObjects(names, { sstateDir: cache, mirrors: `file://.* ${server.url}/sstate/PATH`, concurrency: 4 });
    t.deepEqual([...result.keys()], names, 'in the order asked');
    names.forEach((n, i) => t.is(result.get(n), i % 5 === 0 ? 'local' : i % 3 === 0 ? 'mirror' : undefined, n));
    t.true(server.requests.every((r) => r.startsWith('HEAD ')), 'HEAD only: nothing is downloaded');
    t.is(server.requests.length, names.filter((_, i) => i % 5 !== 0).length);
  } finally {
    await server.close();
  }
});
