/**
 * Loopback servers for the fetcher tests: HTTP and HTTPS (a self-signed certificate made with
 * openssl for 127.0.0.1) serving files from a map, with routes that answer an error status,
 * drop the connection halfway, or hold the body until released; and a `git daemon`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Route =
  | { readonly kind: 'file'; readonly data: Buffer }
  | { readonly kind: 'status'; readonly code: number }
  /** Sends the headers and half the body, then destroys the socket. */
  | { readonly kind: 'drop'; readonly data: Buffer }
  /** Sends half the body, then waits for `release()` before the rest. */
  | { readonly kind: 'hold'; readonly data: Buffer; readonly release: Promise<void> };

export interface TestServer {
  /** `http://127.0.0.1:<port>` (or https). */
  readonly url: string;
  readonly routes: Map<string, Route>;
  /** Requests received, per path. */
  readonly hits: Map<string, number>;
  close(): Promise<void>;
}

function handler(routes: Map<string, Route>, hits: Map<string, number>) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const route = routes.get(path);
    if (!route) {
      res.writeHead(404).end('not found');
      return;
    }
    switch (route.kind) {
      case 'status':
        res.writeHead(route.code).end();
        return;
      case 'file':
        res.writeHead(200, { 'content-length': route.data.length }).end(route.data);
        return;
      case 'drop':
        res.writeHead(200, { 'content-length': route.data.length });
        res.write(route.data.subarray(0, route.data.length >> 1), () => res.socket?.destroy());
        return;
      case 'hold':
        res.writeHead(200, { 'content-length': route.data.length });
        res.write(route.data.subarray(0, route.data.length >> 1));
        void route.release.then(() => res.end(route.data.subarray(route.data.length >> 1)));
        return;
      default: {
        const never: never = route;
        throw new Error(`unreachable ${String(never)}`);
      }
    }
  };
}

async function listen(server: Server, scheme: string, routes: Map<string, Route>, hits: Map<string, number>): Promise<TestServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    routes,
    hits,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function startHttp(routes: Map<string, Route> = new Map()): Promise<TestServer> {
  const hits = new Map<string, number>();
  return listen(createHttp(handler(routes, hits)), 'http', routes, hits);
}

export interface Certificate {
  readonly certFile: string;
  readonly keyFile: string;
}

/** A self-signed certificate for 127.0.0.1 (openssl). */
export function selfSignedCertificate(): Certificate {
  const dir = mkdtempSync(join(tmpdir(), 'tsbake-cert-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  return { certFile, keyFile };
}

export function startHttps(cert: Certificate, routes: Map<string, Route> = new Map()): Promise<TestServer> {
  const hits = new Map<string, number>();
  const server = createHttps({ cert: readFileSync(cert.certFile), key: readFileSync(cert.keyFile) }, handler(routes, hits));
  return listen(server, 'https', routes, hits);
}

export interface GitDaemon {
  readonly port: number;
  readonly process: ChildProcess;
  close(): Promise<void>;
}

/** `git daemon` exporting every repository below `base`, on a free loopback port; resolves when it is ready. */
export function startGitDaemon(base: string): Promise<GitDaemon> {
  return new Promise((resolve, reject) => {
    const tryPort = 20000 + Math.floor(Math.random() * 20000);
    const child = spawn('git', ['daemon', '--verbose', '--reuseaddr', '--export-all', '--listen=127.0.0.1', `--port=${tryPort}`, `--base-path=${base}`, base], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr?.setEncoding('utf8').on('data', (s: string) => {
      err += s;
      if (err.includes('Ready to rumble')) {
        resolve({
          port: tryPort,
          process: child,
          close: () =>
            new Promise((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`git daemon exited (${code ?? 'signal'}): ${err}`)));
  });
}
