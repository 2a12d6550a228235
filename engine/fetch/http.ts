/**
 * `http://` and `https://` downloads with Node's client: redirects followed, the body
 * streamed into the file the caller names (a temporary one), a short body (a dropped
 * connection) or an HTTP error is a FetchError. Certificates are checked against the system
 * store plus `SSL_CERT_FILE` (what BitBake's wget honours); BB_CHECK_SSL_CERTS = "0" turns
 * the check off, as in BitBake.
 */
import { createWriteStream, readFileSync } from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { rootCertificates } from 'node:tls';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FetchError } from './errors.js';

export interface HttpOptions {
  /** PEM file with extra trusted certificates (SSL_CERT_FILE). */
  readonly caFile: string | undefined;
  readonly checkCerts: boolean;
  readonly signal: AbortSignal;
  /** Called as data arrives: bytes so far, and the total when the server said it. */
  readonly progress?: (received: number, total: number | undefined) => void;
  /** Sees every chunk of the body that is written (the checksums are computed on the way). */
  readonly tap?: (chunk: Buffer) => void;
}

const MAX_REDIRECTS = 10;
const caCache = new Map<string, string[]>();

function trustedCas(file: string | undefined): string[] | undefined {
  if (!file) return undefined;
  let cas = caCache.get(file);
  if (!cas) {
    let extra: string;
    try {
      extra = readFileSync(file, 'utf8');
    } catch (e) {
      throw new FetchError(`cannot read SSL_CERT_FILE ${file}: ${e instanceof Error ? e.message : String(e)}`);
    }
    cas = [...rootCertificates, extra];
    caCache.set(file, cas);
  }
  return cas;
}

function request(url: URL, opts: HttpOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const common = { signal: opts.signal, headers: { 'user-agent': 'tsbake', accept: '*/*' } };
    const req =
      url.protocol === 'https:'
        ? httpsGet(url, { ...common, rejectUnauthorized: opts.checkCerts, ...(trustedCas(opts.caFile) ? { ca: trustedCas(opts.caFile) } : {}) }, resolve)
        : httpGet(url, common, resolve);
    req.on('error', reject);
  });
}

/** Downloads `url` into `file` (created or truncated). */
export async function httpDownload(url: string, file: string, opts: HttpOptions): Promise<void> {
  let target = new URL(url);
  for (let hop = 0; ; hop++) {
    let res: IncomingMessage;
    try {
      res = await request(target, opts);
    } catch (e) {
      throw new FetchError(`${url}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      res.resume();
      if (hop >= MAX_REDIRECTS) throw new FetchError(`${url}: too many redirects`);
      target = new URL(res.headers.location, target);
      continue;
    }
    if (status !== 200) {
      res.resume();
      throw new FetchError(`${url}: HTTP ${status} ${res.statusMessage ?? ''}`.trimEnd());
    }
    const header = res.headers['content-length'];
    const total = header === undefined ? undefined : Number.parseInt(header, 10);
    let received = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        received += chunk.length;
        opts.tap?.(chunk);
        opts.progress?.(received, total);
        done(null, chunk);
      },
    });
    try {
      await pipeline(res, count, createWriteStream(file));
    } catch (e) {
      throw new FetchError(`${url}: the download broke off after ${received} bytes (${e instanceof Error ? e.message : String(e)})`);
    }
    if (!res.complete || (total !== undefined && received !== total)) {
      throw new FetchError(`${url}: the connection closed after ${received} of ${total ?? 'unknown'} bytes`);
    }
    return;
  }
}
