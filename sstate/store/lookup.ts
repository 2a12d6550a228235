/**
 * Finding sstate objects: SSTATE_DIR first, then each SSTATE_MIRRORS entry in order.
 *
 * SSTATE_MIRRORS is BitBake mirror syntax: whitespace-separated pairs `FIND REPLACE` (a
 * literal `\n` between pairs is allowed), e.g.
 *   file://.* file:///srv/sstate/PATH
 *   file://.* https://host/sstate/PATH;downloadfilename=PATH
 * The object is looked up as the URL `file://<h0:2>/<h2:4>/<name>`; FIND's scheme must match
 * `file` and its path regex must match the relative path, and in REPLACE `PATH` stands for
 * that relative path (also `BASENAME`, `TYPE`, `HOST`, `MIRRORNAME`, as BitBake has them).
 * Parameters after `;` are ignored: the object always lands at its SSTATE_DIR path.
 *
 * A mirror hit is copied (file://) or downloaded (http, https) into SSTATE_DIR through a
 * temp file and a rename, with its `.siginfo` when the mirror has one. A 404 is a miss; any
 * other failure is a warning and a miss. With BB_NO_NETWORK, network mirrors are skipped
 * with a note. A local object is touched when found, because the cleaning tool reads age as
 * "last used".
 */
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { rename, rm, stat, utimes } from 'node:fs/promises';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { tempName } from '../../engine/core/fs.js';
import type { EventSink } from '../../engine/core/log/events.js';
import { objectPath, objectRelPath, siginfoPath } from './naming.js';

export interface MirrorRule {
  readonly find: string;
  readonly replace: string;
}

export interface LookupOptions {
  readonly sstateDir: string;
  /** SSTATE_MIRRORS as written, or already split into rules. */
  readonly mirrors?: string | readonly MirrorRule[];
  /** BB_NO_NETWORK = "1" (and no SSTATE_MIRROR_ALLOW_NETWORK): network mirrors are skipped. */
  readonly noNetwork?: boolean;
  /** How http(s) mirrors are reached; node:http/https when omitted (tests replace it). */
  readonly fetch?: Transport;
  /** Notes and warnings (skipped mirrors, failed downloads). */
  readonly events?: EventSink;
  readonly signal?: AbortSignal;
}

export interface FoundObject {
  readonly path: string;
  readonly source: 'local' | 'mirror';
  /** The mirror URL the object came from. */
  readonly url?: string;
}

/** The network side of mirrors: a GET into a file and a HEAD. */
export interface Transport {
  /** Streams `url` into `dest`; 'missing' for 404/410; throws on any other failure. */
  get(url: string, dest: string, signal?: AbortSignal): Promise<'ok' | 'missing'>;
  /** True when `url` exists, false for 404/410; throws on any other failure. */
  head(url: string, signal?: AbortSignal): Promise<boolean>;
}

/** BitBake's mirror_from_string: pairs of whitespace-separated words, `\n` allowed. */
export function parseMirrors(value: string, events?: EventSink): MirrorRule[] {
  const words = value.replace(/\\n/g, ' ').split(/\s+/).filter((w) => w !== '');
  if (words.length % 2 !== 0) events?.({ kind: 'warning', message: `Invalid mirror data ${value}, should have paired members.` });
  const rules: MirrorRule[] = [];
  for (let i = 0; i + 1 < words.length; i += 2) rules.push({ find: words[i] as string, replace: words[i + 1] as string });
  return rules;
}

interface Url {
  readonly scheme: string;
  readonly host: string;
  readonly path: string;
}

/** scheme://host/path;params, the way BitBake splits a URL (file:// has no host). */
function splitUrl(url: string): Url | undefined {
  const m = /^([^:;]+):\/\/([^;]*)/.exec(url);
  if (!m) return undefined;
  const scheme = m[1] ?? '';
  const rest = m[2] ?? '';
  if (scheme === 'file') return { scheme, host: '', path: rest };
  const slash = rest.indexOf('/');
  const hostPart = slash < 0 ? rest : rest.slice(0, slash);
  return { scheme, host: hostPart.slice(hostPart.lastIndexOf('@') + 1), path: slash < 0 ? '/' : rest.slice(slash) };
}

/** Python's re.sub(pattern, repl, s, count=1) for the simple patterns mirrors use. */
function subOnce(pattern: string, repl: string, s: string): string | undefined {
  let re: RegExp;
  try {
    re = new RegExp(pattern);
  } catch {
    return undefined;
  }
  const m = re.exec(s);
  if (!m || m.index !== 0) return undefined; // re.match: anchored at the start
  return s.replace(re, (...groups: unknown[]) => repl.replace(/\\(\d)/g, (_, d: string) => String(groups[Number(d)] ?? '')));
}

/** The URL a mirror rule gives for an object at `relPath`, or undefined when it does not apply. */
export function mirrorUrl(rule: MirrorRule, relPath: string): string | undefined {
  const find = splitUrl(rule.find);
  const replace = splitUrl(rule.replace);
  if (!find || !replace) return undefined;
  const typeRe = find.scheme.endsWith('$') ? find.scheme : `${find.scheme}$`;
  if (subOnce(typeRe, 'file', 'file') === undefined) return undefined;
  if (find.host !== '' && subOnce(find.host, '', '') === undefined) return undefined;
  const basename = relPath.slice(relPath.lastIndexOf('/') + 1);
  const words: Record<string, string> = { TYPE: 'file', HOST: '', PATH: relPath, BASENAME: basename, MIRRORNAME: relPath.replace(/[/*]/g, '.') };
  const fill = (s: string): string => s.replace(/TYPE|HOST|PATH|BASENAME|MIRRORNAME/g, (w) => words[w] ?? w);
  const path = subOnce(find.path === '' ? '.*' : find.path, fill(replace.path), relPath);
  if (path === undefined) return undefined;
  const host = fill(replace.host);
  return `${replace.scheme}://${host}${path.startsWith('/') || host === '' ? '' : '/'}${path}`;
}

function rulesOf(opts: LookupOptions): readonly MirrorRule[] {
  if (opts.mirrors === undefined) return [];
  return typeof opts.mirrors === 'string' ? parseMirrors(opts.mirrors, opts.events) : opts.mirrors;
}

const isNetwork = (url: string): boolean => url.startsWith('http://') || url.startsWith('https://');

const OFFLINE_NOTE = 'BB_NO_NETWORK is set: not trying sstate mirror ';

/** One BB_NO_NETWORK note per lookup, not one per object and mirror. */
function noteOfflineOnce(events: EventSink | undefined): EventSink | undefined {
  if (!events) return undefined;
  let noted = false;
  return (e) => {
    if (e.kind === 'note' && e.message.startsWith(OFFLINE_NOTE)) {
      if (noted) return;
      noted = true;
    }
    events(e);
  };
}

/** The object locally (touched), else from the first mirror that has it; undefined on a miss. */
export async function findObject(name: string, opts: LookupOptions): Promise<FoundObject | undefined> {
  const local = objectPath(opts.sstateDir, name);
  if (await touch(local)) {
    await touch(siginfoPath(local));
    return { path: local, source: 'local' };
  }
  const rel = objectRelPath(name);
  const events = noteOfflineOnce(opts.events);
  for (const rule of rulesOf(opts)) {
    opts.signal?.throwIfAborted();
    const url = mirrorUrl(rule, rel);
    if (url === undefined) continue;
    if (url.startsWith('file://')) {
      if (await copyFromMirror(fileURLToPath(encodeFileUrl(url)), local, opts)) return { path: local, source: 'mirror', url };
    } else if (isNetwork(url)) {
      if (opts.noNetwork) {
        events?.({ kind: 'note', message: `${OFFLINE_NOTE}${url}` });
        continue;
      }
      if (await downloadFromMirror(url, local, opts)) return { path: local, source: 'mirror', url };
    } else opts.events?.({ kind: 'warning', message: `sstate mirror ${url}: unsupported URL scheme, skipped` });
  }
  return undefined;
}

/** A file URL whose path may hold characters a URL would read differently (`%`, `#`, `?`). */
function encodeFileUrl(url: string): URL {
  const u = new URL('file:///');
  u.pathname = url.slice('file://'.length);
  return u;
}

/** Sets a regular file's times to now (best effort: a shared cache may be read-only); false when there is none. */
async function touch(path: string): Promise<boolean> {
  if (!(await isFile(path))) return false;
  const now = new Date();
  await utimes(path, now, now).catch((e: unknown) => {
    if (!['EPERM', 'EACCES', 'EROFS', 'ENOENT'].some((c) => hasCode(e, c))) throw e;
  });
  return true;
}

function hasCode(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

async function copyFromMirror(source: string, local: string, opts: LookupOptions): Promise<boolean> {
  try {
    if (!(await stat(source)).isFile()) return false;
  } catch {
    return false;
  }
  try {
    await copyAtomic(source, local, opts.signal);
  } catch (e) {
    if (opts.signal?.aborted) throw e;
    opts.events?.({ kind: 'warning', message: `sstate mirror: cannot copy ${source}: ${message(e)}` });
    return false;
  }
  await copyAtomic(siginfoPath(source), siginfoPath(local), opts.signal).catch(() => undefined); // optional
  return true;
}

async function copyAtomic(source: string, dest: string, signal?: AbortSignal): Promise<void> {
  mkdirSync(dirname(dest), { recursive: true }); // not ensureDir: tsbake-sstate may clean SSTATE_DIR meanwhile
  const tmp = tempName(dest);
  try {
    await pipeline(createReadStream(source, { highWaterMark: 1 << 20 }), createWriteStream(tmp, { flags: 'wx' }), signal ? { signal } : {});
    await rename(tmp, dest);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

async function downloadFromMirror(url: string, local: string, opts: LookupOptions): Promise<boolean> {
  const transport = opts.fetch ?? httpTransport();
  mkdirSync(dirname(local), { recursive: true });
  const tmp = tempName(local);
  try {
    const got = await transport.get(url, tmp, opts.signal);
    if (got === 'missing') {
      await rm(tmp, { force: true });
      return false;
    }
    await rename(tmp, local);
  } catch (e) {
    await rm(tmp, { force: true });
    if (opts.signal?.aborted) throw e;
    opts.events?.({ kind: 'warning', message: `sstate mirror ${url}: ${message(e)}` });
    return false;
  }
  const sigTmp = tempName(siginfoPath(local));
  try {
    if ((await transport.get(`${url}.siginfo`, sigTmp, opts.signal)) === 'ok') await rename(sigTmp, siginfoPath(local));
  } catch {
    // the siginfo is optional: the object restores without it
  } finally {
    await rm(sigTmp, { force: true });
  }
  return true;
}

export interface HasObjectOptions extends LookupOptions {
  /** Checks at once; default 8 (HEAD requests share keep-alive connections). */
  readonly concurrency?: number;
}

export type Availability = 'local' | 'mirror' | undefined;

/** Whether the object exists locally or on a mirror, without fetching it (planning). */
export async function hasObject(name: string, opts: LookupOptions): Promise<Availability> {
  const local = objectPath(opts.sstateDir, name);
  if (await isFile(local)) return 'local';
  const rel = objectRelPath(name);
  for (const rule of rulesOf(opts)) {
    const url = mirrorUrl(rule, rel);
    if (url === undefined) continue;
    if (url.startsWith('file://')) {
      if (await isFile(fileURLToPath(encodeFileUrl(url)))) return 'mirror';
    } else if (isNetwork(url) && opts.noNetwork) {
      opts.events?.({ kind: 'note', message: `${OFFLINE_NOTE}${url}` });
    } else if (isNetwork(url)) {
      try {
        if (await (opts.fetch ?? httpTransport()).head(url, opts.signal)) return 'mirror';
      } catch (e) {
        if (opts.signal?.aborted) throw e;
        opts.events?.({ kind: 'warning', message: `sstate mirror ${url}: ${message(e)}` });
      }
    }
  }
  return undefined;
}

/**
 * hasObject for many objects, `concurrency` at a time, over one keep-alive transport.
 * The result maps each name to where it was found.
 */
export async function hasObjects(names: readonly string[], opts: HasObjectOptions): Promise<Map<string, Availability>> {
  const concurrency = Math.max(1, opts.concurrency ?? 8);
  const own = opts.fetch === undefined && rulesOf(opts).length > 0 ? new HttpTransport(concurrency) : undefined;
  const events = noteOfflineOnce(opts.events);
  const shared: LookupOptions = { ...opts, mirrors: rulesOf(opts), ...(own ? { fetch: own } : {}), ...(events ? { events } : {}) };
  const out = new Map<string, Availability>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < names.length) {
      const name = names[next++] as string;
      out.set(name, await hasObject(name, shared));
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, names.length) }, worker));
  } finally {
    own?.close();
  }
  return new Map(names.map((n) => [n, out.get(n)]));
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

const TIMEOUT_MS = 30_000;
const MAX_REDIRECTS = 5;

/** node:http/https with keep-alive agents, redirects followed, a 30 s idle timeout. */
export class HttpTransport implements Transport {
  readonly #http: HttpAgent;
  readonly #https: HttpsAgent;

  constructor(maxSockets = 8) {
    this.#http = new HttpAgent({ keepAlive: true, maxSockets });
    this.#https = new HttpsAgent({ keepAlive: true, maxSockets });
  }

  close(): void {
    this.#http.destroy();
    this.#https.destroy();
  }

  async get(url: string, dest: string, signal?: AbortSignal): Promise<'ok' | 'missing'> {
    const res = await this.#request('GET', url, signal);
    if (res.statusCode === 404 || res.statusCode === 410) {
      res.resume();
      return 'missing';
    }
    if (res.statusCode !== 200) {
      res.resume();
      throw new Error(`HTTP ${res.statusCode ?? '?'} ${res.statusMessage ?? ''}`.trim());
    }
    const expected = Number(res.headers['content-length'] ?? Number.NaN);
    let received = 0;
    res.on('data', (c: Buffer) => (received += c.byteLength));
    await pipeline(res, createWriteStream(dest, { flags: 'wx' }), signal ? { signal } : {});
    if (!res.complete || (Number.isFinite(expected) && received !== expected)) throw new Error(`download cut short (${received} of ${Number.isFinite(expected) ? expected : '?'} bytes)`);
    return 'ok';
  }

  async head(url: string, signal?: AbortSignal): Promise<boolean> {
    const res = await this.#request('HEAD', url, signal);
    res.resume();
    if (res.statusCode === 404 || res.statusCode === 410) return false;
    if (res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300) return true;
    throw new Error(`HTTP ${res.statusCode ?? '?'} ${res.statusMessage ?? ''}`.trim());
  }

  async #request(method: 'GET' | 'HEAD', url: string, signal: AbortSignal | undefined, hops = 0): Promise<IncomingMessage> {
    const u = new URL(url);
    const https = u.protocol === 'https:';
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = (https ? httpsRequest : httpRequest)(u, { method, agent: https ? this.#https : this.#http, ...(signal ? { signal } : {}) }, resolve);
      req.setTimeout(TIMEOUT_MS, () => req.destroy(new Error(`no answer in ${TIMEOUT_MS / 1000} s`)));
      req.on('error', reject);
      req.end();
    });
    const location = res.headers.location;
    if (res.statusCode !== undefined && res.statusCode >= 300 && res.statusCode < 400 && location) {
      res.resume();
      if (hops >= MAX_REDIRECTS) throw new Error('too many redirects');
      return this.#request(method, new URL(location, u).toString(), signal, hops + 1);
    }
    return res;
  }
}

let shared: HttpTransport | undefined;

function httpTransport(): HttpTransport {
  shared ??= new HttpTransport();
  return shared;
}
