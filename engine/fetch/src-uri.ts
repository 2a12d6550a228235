/**
 * SRC_URI entries as BitBake decodes them (fetch2 decodeurl/encodeurl): `type://[user[:pswd]@]
 * host/path;key=value;...`. For `file://` the whole location is the path, which may be
 * relative (searched in FILESPATH). Pure.
 */
import { pySplit } from '../metadata/pystr.js';
import { FetchError } from './errors.js';

export interface SrcUri {
  /** The entry as written (expanded). */
  readonly url: string;
  /** The scheme, lower case: `file`, `http`, `https`, `git`, `gitsm`, ... */
  readonly type: string;
  /** `host[:port]`; '' for `file://`. */
  readonly host: string;
  /** URL-decoded; absolute except for a relative `file://` path. */
  readonly path: string;
  /** What followed `?` (without it; '' for none): requested, but not part of the name in DL_DIR. */
  readonly query: string;
  readonly user: string;
  readonly pswd: string;
  /** `;key=value` parameters, in order. */
  readonly params: ReadonlyMap<string, string>;
}

const URL_SHAPE = /^([^:]*):\/\/(?:([^/;]+)@)?([^;]+)(?:;(.*))?$/s;

function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * One SRC_URI entry, as BitBake's decodeurl (its URI class) reads it: a `?query` and a
 * `#fragment` are not part of the path.
 */
export function decodeUrl(url: string): SrcUri {
  return decode(url, true);
}

/** One side of a PREMIRRORS/MIRRORS pair (BitBake's decodemirrorurl): `?` belongs to the regular expressions. */
export function decodeMirrorUrl(url: string): SrcUri {
  return decode(url, false);
}

function decode(url: string, splitQuery: boolean): SrcUri {
  const m = URL_SHAPE.exec(url);
  if (!m) throw new FetchError(`malformed URL '${url}'`, undefined, 'SRC_URI entries look like type://host/path;param=value');
  const type = (m[1] ?? '').toLowerCase();
  const whole = m[3] ?? '';
  const cut = splitQuery ? whole.search(/[?#]/) : -1;
  const location = cut >= 0 ? whole.slice(0, cut) : whole;
  const query = cut >= 0 && whole[cut] === '?' ? whole.slice(cut + 1).replace(/#.*$/s, '') : '';
  let userinfo = m[2] ?? '';
  let host: string;
  let path: string;
  const slash = location.indexOf('/');
  if (type === 'file') {
    host = '';
    path = userinfo ? `${userinfo}@${location}` : location;
    userinfo = '';
  } else if (slash >= 0) {
    host = location.slice(0, slash);
    path = location.slice(slash);
  } else {
    host = location;
    path = '/';
  }
  const colon = userinfo.indexOf(':');
  const user = colon >= 0 ? userinfo.slice(0, colon) : userinfo;
  const pswd = colon >= 0 ? userinfo.slice(colon + 1) : '';
  const params = new Map<string, string>();
  for (const p of (m[4] ?? '').split(';')) {
    if (!p) continue;
    const eq = p.indexOf('=');
    if (eq < 0) throw new FetchError(`the URL '${url}' is invalid: parameter ${p} does not specify a value (missing '=')`);
    params.set(p.slice(0, eq), p.slice(eq + 1));
  }
  return { url, type, host, path: decodePath(path), query, user, pswd, params };
}

/** The URL for decoded parts (BitBake's encodeurl: `//` in the path collapses). */
export function encodeUrl(u: Omit<SrcUri, 'url' | 'query'>): string {
  let out = `${u.type}://`;
  if (u.type !== 'file') {
    if (u.user) out += u.pswd ? `${u.user}:${u.pswd}@` : `${u.user}@`;
    out += u.host;
  }
  out += u.path.replace(/\/{2,}/g, '/');
  for (const [k, v] of u.params) out += `;${k}=${v}`;
  return out;
}

/** The URL a client requests: no `;parameters`, the path encoded again, the query kept. */
export function requestUrl(u: SrcUri): string {
  const userinfo = u.user ? `${u.user}${u.pswd ? `:${u.pswd}` : ''}@` : '';
  return `${u.type}://${userinfo}${u.host}${encodeURI(u.path)}${u.query ? `?${u.query}` : ''}`;
}

/** Every entry of an expanded SRC_URI. */
export function srcUris(value: string): SrcUri[] {
  return pySplit(value).map(decodeUrl);
}

/** The `name=` parameter, or BitBake's `default`. */
export function uriName(u: SrcUri): string {
  return u.params.get('name') ?? 'default';
}

/** Schemes whose downloads must carry a checksum in SRC_URI (BitBake's recommends_checksum). */
export const CHECKSUMMED_TYPES: ReadonlySet<string> = new Set(['http', 'https', 'ftp', 'ftps']);

/** oe-core's boolean type (oe.types.boolean), which `apply=` is read with. */
function oeBoolean(value: string, what: string): boolean {
  const v = value.toLowerCase();
  if (['yes', 'y', 'true', 't', '1'].includes(v)) return true;
  if (['no', 'n', 'false', 'f', '0'].includes(v)) return false;
  throw new FetchError(`invalid boolean value '${value}' for ${what}`, undefined, 'use yes or no');
}

/** `file://` entries are patches when they end in .patch/.diff (with any compression), unless apply=no. */
export function isPatch(u: SrcUri): boolean {
  const apply = u.params.get('apply');
  if (apply !== undefined) return oeBoolean(apply, `apply= in ${u.url}`);
  const base = (u.params.get('downloadfilename') ?? u.path).replace(/\.(gz|bz2|xz|Z)$/, '');
  return base.endsWith('.patch') || base.endsWith('.diff');
}

/** How many leading path components a patch drops: striplevel=, or the older pnum=, else 1 (oe-core's src_patches). */
export function patchStripLevel(u: SrcUri): string {
  return u.params.get('striplevel') ?? u.params.get('pnum') ?? '1';
}
