/**
 * PREMIRRORS and MIRRORS as BitBake reads them (fetch2 mirror_from_string, uri_replace and
 * build_mirroruris): pairs of `find replace`, where each part of `find` (type, host, path,
 * user, password) is a Python regular expression matched at the start of the same part of
 * the URL, and `replace` may use TYPE, HOST, PATH, BASENAME and MIRRORNAME. Pure.
 */
import { pythonMatch, pythonRegex } from '../metadata/pyregex.js';
import { decodeMirrorUrl, decodeUrl, encodeUrl, type SrcUri } from './src-uri.js';

export type MirrorPair = readonly [find: string, replace: string];

/** `PREMIRRORS`/`MIRRORS`: whitespace (or a literal `\n`) separated pairs. */
export function mirrorPairs(value: string): MirrorPair[] {
  const words = value.replaceAll('\\n', ' ').split(/\s+/).filter((w) => w !== '');
  const pairs: MirrorPair[] = [];
  for (let i = 0; i + 1 < words.length; i += 2) pairs.push([words[i] ?? '', words[i + 1] ?? '']);
  return pairs;
}

type Parts = [type: string, host: string, path: string, user: string, pswd: string];

const partsOf = (u: SrcUri): Parts => [u.type, u.host, u.path, u.user, u.pswd];

/** Python's replacement string (`\1`, `\g<name>`) in JavaScript's syntax. */
function jsReplacement(repl: string): string {
  return repl
    .replaceAll('$', '$$$$')
    .replace(/\\g<(\w+)>/g, (_, g: string) => (/^\d+$/.test(g) ? `$${g}` : `$<${g}>`))
    .replace(/\\(\d)/g, '$$$1');
}

const basenameOf = (p: string): string => p.slice(p.lastIndexOf('/') + 1);

function joinPath(a: string, b: string): string {
  return a === '' || a.endsWith('/') ? a + b : `${a}/${b}`;
}

export interface ReplaceContext {
  /** The name the original download has in DL_DIR, for checksummed types (else undefined). */
  readonly localName: string | undefined;
  /** A mirror tarball name (git2_....tar.gz) when trying those. */
  readonly mirrorTarball: string | undefined;
}

/** The URL `find replace` maps `orig` to, or undefined when it does not match. */
export function uriReplace(orig: SrcUri, pair: MirrorPair, ctx: ReplaceContext): string | undefined {
  const from = decodeMirrorUrl(pair[0]);
  const to = decodeMirrorUrl(pair[1]);
  const replacements: ReadonlyArray<readonly [string, string]> = [
    ['TYPE', orig.type],
    ['HOST', orig.host],
    ['PATH', orig.path],
    ['BASENAME', basenameOf(orig.path)],
    ['MIRRORNAME', orig.host.replaceAll(':', '.') + orig.path.replaceAll('/', '.').replaceAll('*', '.')],
  ];
  const subst = (s: string): string => replacements.reduce((acc, [k, v]) => acc.replaceAll(k, v), s);
  const src = partsOf(orig);
  const find = partsOf(from);
  const repl = partsOf(to);
  const result: Parts = [...src];
  let params = new Map(orig.params);
  let tarball = false;
  for (let loc = 0; loc < 5; loc++) {
    let regexp = find[loc] ?? '';
    if (loc === 0 && regexp && !regexp.endsWith('$')) regexp += '$';
    if ((loc === 3 || loc === 4) && repl[loc]) {
      result[loc] = repl[loc] ?? '';
      continue;
    }
    const re = pythonRegex(regexp, `mirror pattern ${pair[0]}`);
    if (!pythonMatch(re, src[loc] ?? '')) return undefined;
    result[loc] = repl[loc] ? (src[loc] ?? '').replace(re, jsReplacement(subst(repl[loc] ?? ''))) : '';
    if (loc === 2) {
      let base: string | undefined;
      if (orig.type !== to.type && ctx.mirrorTarball) {
        base = basenameOf(ctx.mirrorTarball);
        params = new Map();
        tarball = true;
      } else {
        base = ctx.localName;
      }
      if (base) {
        const uriBase = basenameOf(orig.path);
        const path = `/${result[2]}`;
        if (uriBase && base !== uriBase && path.endsWith(`/${uriBase}`)) result[2] = path.slice(1, path.length - uriBase.length) + base;
        else if (!path.endsWith(`/${base}`)) result[2] = joinPath(path.slice(1), base);
      }
    }
  }
  if (!tarball) for (const [k, v] of from.params) if (params.get(k) !== v) return undefined;
  for (const [k, v] of to.params) params.set(k, subst(v));
  const url = encodeUrl({ type: result[0], host: result[1], path: result[2], user: result[3], pswd: result[4], params });
  return url === orig.url ? undefined : url;
}

/**
 * Every URL the mirrors offer for `orig`, in BitBake's order: each matching pair in turn, and
 * after each hit the URLs the remaining pairs give for it (a mirror of a mirror).
 */
export function mirrorUrls(orig: SrcUri, pairs: readonly MirrorPair[], ctx: ReplaceContext): string[] {
  const out: string[] = [];
  const visit = (ud: SrcUri, left: readonly MirrorPair[]): void => {
    for (const pair of left) {
      const url = uriReplace(ud, pair, { ...ctx, localName: ud === orig ? ctx.localName : basenameOf(decodeUrl(ud.url).path) });
      if (!url || out.includes(url) || url === orig.url) continue;
      out.push(url);
      visit(decodeUrl(url), left.filter((p) => p !== pair));
    }
  };
  visit(orig, pairs);
  return out;
}

/** BB_ALLOWED_NETWORKS: whether `url`'s host may be contacted (`*.example.com` wildcards). */
export function trustedNetwork(url: SrcUri, allowed: string | undefined): boolean {
  if (!allowed) return true;
  const host = url.host.split(':')[0]?.toLowerCase() ?? '';
  if (!host) return true;
  return allowed.split(' ').some((h) => {
    const pat = h.toLowerCase();
    return (pat.startsWith('*.') && `.${host}`.endsWith(pat.slice(1))) || pat === host;
  });
}
