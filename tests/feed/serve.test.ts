import test from 'ava';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contentType, parseRange, serveFeeds } from '../../engine/feed/serve.js';

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A raw request (the path is sent as written, `..` included). */
function get(url: string, path: string, opts: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: opts.method ?? 'GET', headers: opts.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('feed server: content types, HEAD, ranges, listings, no way out of the root, one log line per request', async (t) => {
  const top = mkdtempSync(join(tmpdir(), 'tsbake-serve-'));
  const root = join(top, 'deploy');
  mkdirSync(join(root, 'deb', 'all'), { recursive: true });
  writeFileSync(join(root, 'deb', 'all', 'Packages'), 'Package: a\n');
  writeFileSync(join(root, 'deb', 'all', 'a_1_all.deb'), '0123456789');
  writeFileSync(join(top, 'secret'), 'outside');
  symlinkSync(join(top, 'secret'), join(root, 'escape'));
  const lines: string[] = [];
  const server = await serveFeeds(root, { port: 0, bind: '127.0.0.1', log: (l) => lines.push(l) });
  try {
    t.regex(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const pkgs = await get(server.url, '/deb/all/Packages');
    t.is(pkgs.status, 200);
    t.is(pkgs.body, 'Package: a\n');
    t.is(pkgs.headers['content-type'], 'text/plain; charset=utf-8');
    const head = await get(server.url, '/deb/all/a_1_all.deb', { method: 'HEAD' });
    t.is(head.status, 200);
    t.is(head.headers['content-length'], '10');
    t.is(head.headers['content-type'], 'application/vnd.debian.binary-package');
    t.is(head.body, '');
    const part = await get(server.url, '/deb/all/a_1_all.deb', { headers: { Range: 'bytes=2-5' } });
    t.is(part.status, 206);
    t.is(part.body, '2345');
    t.is(part.headers['content-range'], 'bytes 2-5/10');
    t.is((await get(server.url, '/deb/all/a_1_all.deb', { headers: { Range: 'bytes=-3' } })).body, '789');
    t.is((await get(server.url, '/deb/all/a_1_all.deb', { headers: { Range: 'bytes=20-' } })).status, 416);
    t.regex((await get(server.url, '/deb/all/')).body, /href="\/deb\/all\/a_1_all\.deb"/);
    t.is((await get(server.url, '/../secret')).status, 403);
    t.is((await get(server.url, '/deb/%2e%2e/%2e%2e/secret')).status, 403);
    t.is((await get(server.url, '/escape')).status, 403, 'a symlink out of the root is refused');
    t.is((await get(server.url, '/nothing')).status, 404);
    t.is((await get(server.url, '/deb/all/Packages', { method: 'POST' })).status, 405);
  } finally {
    await server.close();
  }
  t.is(lines.length, 11);
  t.regex(lines[0] ?? '', /^127\.0\.0\.1 "GET \/deb\/all\/Packages" 200$/);
});

test('ranges and content types', (t) => {
  t.deepEqual(parseRange('bytes=0-0', 5), [0, 0]);
  t.deepEqual(parseRange('bytes=3-', 5), [3, 4]);
  t.deepEqual(parseRange('bytes=2-99', 5), [2, 4]);
  t.is(parseRange('bytes=5-', 5), 'invalid');
  t.is(parseRange('bytes=1-2,4-5', 5), 'invalid');
  t.is(parseRange(undefined, 5), undefined);
  t.is(contentType('repodata/repomd.xml'), 'application/xml');
  t.is(contentType('x/Packages.gz'), 'application/gzip');
  t.is(contentType('Release.gpg'), 'application/pgp-signature');
  t.is(contentType('hello.rpm'), 'application/x-rpm');
});
