/**
 * Sstate object names, as oe-core's sstate.bbclass spells them, and the parser the cleaning
 * tool uses (the fields of scripts/sstate-cache-management.py's RE_SSTATE_PKGSPEC). Pure.
 *
 *   <SSTATE_DIR>/<h[0:2]>/<h[2:4]>/sstate:<PN>:<PACKAGE_ARCH>:<PV>:<PR>:<SSTATE_PKGARCH>:<SSTATE_VERSION>:<h>_<task>.tar.zst
 *
 * `<h>` is the task's unihash and `<task>` its name without `do_`. The `.siginfo` sits beside
 * the object as `<name>.siginfo`. oe-core's "software" spec (fetch, unpack, patch,
 * populate_lic) leaves both arch fields empty: pass '' for them.
 */
import { join } from 'node:path';
import { TsbakeError } from '../../engine/core/errors.js';

export const SSTATE_PREFIX = 'sstate:';
export const SSTATE_EXTENSION = '.tar.zst';
export const SIGINFO_SUFFIX = '.siginfo';
/** The suffixes oe-core's cleaning script recognises. */
export const SSTATE_SUFFIXES = [SSTATE_EXTENSION, `${SSTATE_EXTENSION}${SIGINFO_SUFFIX}`, `${SSTATE_EXTENSION}.done`] as const;

/** File names are limited to 254 bytes; 8 of them are kept for ".siginfo" (oe-core's rule). */
const NAME_LIMIT = 254 - SIGINFO_SUFFIX.length;

/** A name that cannot be made: a field with `:` or `/`, or too long even after shortening. */
export class SstateNameError extends TsbakeError {
  readonly code = 'E_SSTATE_NAME';
}

export interface SstateNameFields {
  readonly pn: string;
  /** PACKAGE_ARCH with TARGET_VENDOR-TARGET_OS (oe-core's second field); '' for software tasks. */
  readonly packageArch: string;
  readonly pv: string;
  readonly pr: string;
  /** SSTATE_PKGARCH; '' for software tasks. */
  readonly pkgArch: string;
  /** SSTATE_VERSION. */
  readonly version: string;
  /** The unihash. */
  readonly hash: string;
  /** The task, with or without `do_` (stored without). */
  readonly task: string;
}

export type SstateFileKind = 'object' | 'siginfo' | 'done';

export interface ParsedSstateName extends SstateNameFields {
  readonly task: string;
  readonly kind: SstateFileKind;
}

const stripDo = (task: string): string => (task.startsWith('do_') ? task.slice(3) : task);

function check(field: string, value: string, forbidden: RegExp): void {
  if (forbidden.test(value)) throw new SstateNameError(`sstate name field ${field} '${value}' contains a character that cannot appear in an object name`);
}

/**
 * The object's file name. Like oe-core, a name over the limit has PACKAGE_ARCH, PV and PR cut
 * to equal shares of the room left; PN, SSTATE_PKGARCH and the version stay whole.
 */
export function objectName(f: SstateNameFields): string {
  const task = stripDo(f.task);
  const hash = f.hash === '' ? 'INVALID' : f.hash;
  // The parser splits on ':' and (after the version) '_': those fields must not contain them.
  for (const [k, v] of [['PN', f.pn], ['PACKAGE_ARCH', f.packageArch], ['PV', f.pv], ['PR', f.pr], ['SSTATE_PKGARCH', f.pkgArch]] as const) check(k, v, /[:/\0]/);
  check('SSTATE_VERSION', f.version, /[:/_\0]/);
  check('hash', hash, /[^0-9A-Za-z]/);
  check('task', task, /[:/.\0]|^$/);
  const tail = `${hash}_${task}${SSTATE_EXTENSION}`;
  const make = (arch: string, pv: string, pr: string): string => `${SSTATE_PREFIX}${f.pn}:${arch}:${pv}:${pr}:${f.pkgArch}:${f.version}:${tail}`;
  let name = make(f.packageArch, f.pv, f.pr);
  if (Buffer.byteLength(name) > NAME_LIMIT) {
    // 7 separators after "sstate"; the three shortened fields share what is left.
    const fixed = Buffer.byteLength(tail) + 'sstate'.length + Buffer.byteLength(f.pn) + Buffer.byteLength(f.pkgArch) + Buffer.byteLength(f.version) + 7;
    const avail = Math.floor((NAME_LIMIT - fixed) / 3);
    if (avail >= 0) name = make(cut(f.packageArch, avail), cut(f.pv, avail), cut(f.pr, avail));
    if (avail < 0 || Buffer.byteLength(name) > NAME_LIMIT) throw new SstateNameError(`cannot shorten the sstate object name to ${NAME_LIMIT} bytes: ${name}`);
  }
  return name;
}

/** The first `bytes` bytes of `s`, never splitting a character. */
function cut(s: string, bytes: number): string {
  let out = '';
  for (const ch of s) {
    if (Buffer.byteLength(out + ch) > bytes) break;
    out += ch;
  }
  return out;
}

const NAME_RE = /^sstate:([^:]*):([^:]*):([^:]*):([^:]*):([^:]*):([^_]*):([^_]*)_([^:]*?)(\.tar\.zst|\.tar\.zst\.siginfo|\.tar\.zst\.done)$/;

/** The fields of an object, siginfo or `.done` file name; undefined for anything else. */
export function parseObjectName(fileName: string): ParsedSstateName | undefined {
  const m = NAME_RE.exec(fileName);
  if (!m) return undefined;
  const [, pn = '', packageArch = '', pv = '', pr = '', pkgArch = '', version = '', hash = '', task = '', ext = ''] = m;
  const kind: SstateFileKind = ext === SSTATE_EXTENSION ? 'object' : ext.endsWith(SIGINFO_SUFFIX) ? 'siginfo' : 'done';
  return { pn, packageArch, pv, pr, pkgArch, version, hash, task, kind };
}

/**
 * `<h[0:2]>/<h[2:4]>/<name>`, relative to SSTATE_DIR: the hash is read back from the name.
 * This is also what `PATH` stands for in an SSTATE_MIRRORS entry.
 */
export function objectRelPath(name: string): string {
  const parsed = parseObjectName(name);
  if (!parsed || parsed.kind !== 'object') throw new SstateNameError(`not an sstate object name: ${name}`);
  return `${parsed.hash.slice(0, 2)}/${parsed.hash.slice(2, 4)}/${name}`;
}

export function objectPath(sstateDir: string, name: string): string {
  return join(sstateDir, objectRelPath(name));
}

export function siginfoPath(objectFile: string): string {
  return `${objectFile}${SIGINFO_SUFFIX}`;
}
