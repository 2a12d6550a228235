/**
 * A static HTTP server for the deploy directory, enough for apt, dnf and opkg: GET and HEAD,
 * single byte ranges, content types by name, directory listings, and no path outside the
 * root (no `..`, no symlink that leads out). One log line per request.
 */
import { createReadStream, readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, sep } from 'node:path';
import { byteCompare } from './feed-files.js';

const TYPES: ReadonlyArray<readonly [RegExp, string]> = [
  [/\.deb$/, 'application/vnd.debian.binary-package'],
  [/\.rpm$/, 'application/x-rpm'],
  [/\.(ipk|opk)$/, 'application/octet-stream'],
  [/\.gz$/, 'application/gzip'],
  [/\.xz$/, 'application/x-xz'],
  [/\.zst$/, 'application/zstd'],
  [/\.bz2$/, 'application/x-bzip2'],
  [/\.xml$/, 'application/xml'],
  [/\.(asc|gpg|sig)$/, 'application/pgp-signature'],
  [/\.json$/, 'application/json'],
  [/\.html?$/, 'text/html; charset=utf-8'],
  [/(^|\/)(Packages|Release|InRelease|Packages\.stamps)$|\.(txt|conf|list|repo|manifest)$/, 'text/plain; charset=utf-8'],
];

export function contentType(name: string): string {
  return TYPES.find(([re]) => re.test(name))?.[1] ?? 'application/octet-stream';
}

type Resolved = { readonly kind: 'file' | 'dir'; readonly path: string; readonly stat: Stats } | { readonly kind: 'error'; readonly status: number };

/** The file a request path names under `root`, or the HTTP status that refuses it. */
export function resolveRequest(root: string, urlPath: string): Resolved {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0] ?? '');
  } catch {
    return { kind: 'error', status: 400 };
  }
  const parts = decoded.split('/').filter((p) => p !== '' && p !== '.');
  if (decoded.includes('\0') || parts.includes('..') || parts.some((p) => p.includes('\\'))) return { kind: 'error', status: 403 };
  const path = join(root, ...parts);
  let real: string;
  let stat: Stats;
  try {
    real = realpathSync(path);
    stat = statSync(real);
  } catch {
    return { kind: 'error', status: 404 };
  }
  const realRoot = realpathSync(root);
  if (real !== realRoot && !real.startsWith(realRoot + sep)) return { kind: 'error', status: 403 };
  if (stat.isDirectory()) return { kind: 'dir', path: real, stat };
  return stat.isFile() ? { kind: 'file', path: real, stat } : { kind: 'error', status: 404 };
}

/** `bytes=a-b` (one range) against a file of `size` bytes: [start, end] inclusive, 'invalid' or none. */
export function parseRange(header: string | undefined, size: number): readonly [number, number] | 'invalid' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'invalid';
  if (m[1] === '') {
    const n = Number(m[2]);
    return n === 0 ? 'invalid' : [Math.max(0, size - n), size - 1];
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  return start >= size || end < start ? 'invalid' : [start, end];
}

const escapeHtml = (s: string): string => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

function listing(dir: string, urlPath: string): string {
  const base = urlPath.endsWith('/') ? urlPath : `${urlPath}/`;
  const names = readdirSync(dir, { withFileTypes: true })
    .map((e) => (e.isDirectory() ? `${e.name}/` : e.name))
    .sort(byteCompare);
  const items = names.map((n) => `<li><a href="${escapeHtml(base + encodeURIComponent(n.replace(/\/$/, '')) + (n.endsWith('/') ? '/' : ''))}">${escapeHtml(n)}</a></li>`);
  return `<!doctype html><title>${escapeHtml(base)}</title><h1>${escapeHtml(base)}</h1><ul>${items.join('')}</ul>\n`;
}

function respond(req: IncomingMessage, res: ServerResponse, root: string): number {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return 405;
  }
  const urlPath = req.url ?? '/';
  const found = resolveRequest(root, urlPath);
  if (found.kind === 'error') {
    res.writeHead(found.status, { 'Content-Type': 'text/plain' }).end(req.method === 'HEAD' ? undefined : `${found.status}\n`);
    return found.status;
  }
  if (found.kind === 'dir') {
    const body = listing(found.path, urlPath.split('?')[0] ?? '/');
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
    return 200;
  }
  const size = found.stat.size;
  const headers = { 'Content-Type': contentType(found.path), 'Accept-Ranges': 'bytes', 'Last-Modified': found.stat.mtime.toUTCString() };
  const range = parseRange(req.headers.range, size);
  if (range === 'invalid') {
    res.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}` }).end();
    return 416;
  }
  const [start, end] = range ?? [0, size - 1];
  const status = range ? 206 : 200;
  res.writeHead(status, { ...headers, 'Content-Length': Math.max(0, end - start + 1), ...(range ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {}) });
  if (req.method === 'HEAD' || size === 0) res.end();
  else createReadStream(found.path, { start, end }).on('error', () => res.destroy()).pipe(res);
  return status;
}

export interface FeedServer {
  readonly server: Server;
  readonly url: string;
  close(): Promise<void>;
}

/** Serves `root` on `bind:port` (port 0: a free one); `log` gets one line per request. */
export function serveFeeds(root: string, opts: { readonly port: number; readonly bind: string; readonly log: (line: string) => void }): Promise<FeedServer> {
  const server = createServer((req, res) => {
    const status = respond(req, res, root);
    opts.log(`${req.socket.remoteAddress ?? '-'} "${req.method ?? '-'} ${req.url ?? '-'}" ${status}`);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.bind, () => {
      const addr = server.address() as AddressInfo;
      const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      resolve({
        server,
        url: `http://${host}:${addr.port}/`,
        close: () => new Promise((done) => { server.closeAllConnections(); server.close(() => done()); }),
      });
    });
  });
}
