/**
 * The file names tsbake-sstate recognises in SSTATE_DIR. Pure.
 *
 * Objects and their companions follow oe-core's scripts/sstate-cache-management.py
 * (RE_SSTATE_PKGSPEC: same fields, same suffixes, same matches):
 *
 *   sstate:<PN>:<PACKAGE_ARCH>:<PV>:<PR>:<SSTATE_PKGARCH>:<SSTATE_VERSION>:<hash>_<task>.tar.zst[.siginfo|.done]
 *
 * sstate/store/naming.ts makes the names and owns their fields; this parser is the cleaning
 * tool's fast one (a cache holds hundreds of thousands of names, most fields never read).
 * Temp files are what atomic writes leave behind: `<name>.tmp-<pid>-<n>` (engine/core/fs.ts).
 */
import { SSTATE_EXTENSION, SSTATE_PREFIX, type SstateFileKind, type SstateNameFields } from '../store/naming.js';

/** A parsed name: the object's fields (as the store names them), what the file is, its archive's name. */
export interface SstateFileName extends SstateNameFields {
  readonly kind: SstateFileKind;
  /** The archive's file name: this name without a companion suffix. */
  readonly objectName: string;
}

export { SSTATE_PREFIX };
export const ARCHIVE_SUFFIX = SSTATE_EXTENSION;
const SUFFIXES: readonly (readonly [SstateFileKind, string])[] = [
  ['object', ARCHIVE_SUFFIX],
  ['siginfo', `${ARCHIVE_SUFFIX}.siginfo`],
  ['done', `${ARCHIVE_SUFFIX}.done`],
];

/**
 * A parsed name that keeps only the name and where its fields start and end: a cache holds
 * hundreds of thousands of names, and most fields are never read.
 */
class ParsedName implements SstateFileName {
  readonly #name: string;
  /** Start of each field, then one past its end: PN, PACKAGE_ARCH, PV, PR, SSTATE_PKGARCH, version, hash, task. */
  readonly #cuts: readonly number[];
  readonly kind: SstateFileKind;
  readonly #suffix: number;

  constructor(name: string, cuts: number[], kind: SstateFileKind, suffixLength: number) {
    this.#name = name;
    this.#cuts = cuts;
    this.kind = kind;
    this.#suffix = suffixLength;
  }

  #field(i: number): string {
    return this.#name.slice(this.#cuts[2 * i], this.#cuts[2 * i + 1]);
  }

  get pn(): string {
    return this.#field(0);
  }
  get packageArch(): string {
    return this.#field(1);
  }
  get pv(): string {
    return this.#field(2);
  }
  get pr(): string {
    return this.#field(3);
  }
  get pkgArch(): string {
    return this.#field(4);
  }
  get version(): string {
    return this.#field(5);
  }
  get hash(): string {
    return this.#field(6);
  }
  get task(): string {
    return this.#field(7);
  }
  get objectName(): string {
    return this.kind === 'object' ? this.#name : this.#name.slice(0, this.#name.length - this.#suffix + ARCHIVE_SUFFIX.length);
  }
}

/**
 * oe-core's regex, by hand: five `[^:]*` fields, then `<version>:<hash>_` where neither may
 * hold `_` (so the first `_` ends the hash and the last `:` before it ends the version), then
 * a task without `:` up to the suffix.
 */
export function parseSstateFileName(name: string): SstateFileName | undefined {
  if (!name.startsWith(SSTATE_PREFIX)) return undefined;
  const suffix = SUFFIXES.find(([, s]) => name.endsWith(s));
  if (!suffix) return undefined;
  const cuts: number[] = [];
  let at = SSTATE_PREFIX.length;
  for (let i = 0; i < 5; i++) {
    const colon = name.indexOf(':', at);
    if (colon < 0) return undefined;
    cuts.push(at, colon);
    at = colon + 1;
  }
  const end = name.length - suffix[1].length;
  const underscore = name.indexOf('_', at);
  if (underscore < 0 || underscore >= end) return undefined;
  const lastColon = name.lastIndexOf(':', underscore);
  if (lastColon < at) return undefined;
  const taskColon = name.indexOf(':', underscore + 1);
  if (taskColon >= 0 && taskColon < end) return undefined;
  cuts.push(at, lastColon, lastColon + 1, underscore, underscore + 1, end);
  return new ParsedName(name, cuts, suffix[0], suffix[1].length);
}

/** Where a file sits in its object: the archive or one of the companions beside it. */
export type ObjectSlot = 'archive' | 'siginfo' | 'done';
export const OBJECT_SLOTS: readonly ObjectSlot[] = ['archive', 'siginfo', 'done'];
const COMPANIONS: readonly (readonly [ObjectSlot, string])[] = [
  ['siginfo', `${ARCHIVE_SUFFIX}.siginfo`],
  ['done', `${ARCHIVE_SUFFIX}.done`],
];

/**
 * Which object an `sstate:` file belongs to (its archive's name) and as what, by suffix
 * alone; the fields are parsed once per object, later. Undefined for other names.
 */
export function placeOf(name: string): { readonly slot: ObjectSlot; readonly objectName: string } | undefined {
  if (!name.startsWith(SSTATE_PREFIX)) return undefined;
  if (name.endsWith(ARCHIVE_SUFFIX)) return { slot: 'archive', objectName: name };
  for (const [slot, suffix] of COMPANIONS) {
    if (name.endsWith(suffix)) return { slot, objectName: name.slice(0, name.length - suffix.length + ARCHIVE_SUFFIX.length) };
  }
  return undefined;
}

const TEMP_RE = /\.tmp-(\d+)-([0-9A-Za-z]+)$/;

/** The writer's pid of a `<name>.tmp-<pid>-<n>` file; undefined for other names. */
export function parseTempName(name: string): { readonly pid: number } | undefined {
  if (!name.includes('.tmp-')) return undefined;
  const m = TEMP_RE.exec(name);
  if (!m) return undefined;
  const pid = Number(m[1]);
  return Number.isSafeInteger(pid) && pid > 0 ? { pid } : undefined;
}

/** Names the walk keeps: sstate files (parsed later, once) and temp files. */
export function isCandidateName(name: string): boolean {
  return name.startsWith(SSTATE_PREFIX) || (name.includes('.tmp-') && TEMP_RE.test(name));
}

/**
 * The license task: a normal build legitimately leaves several of its objects for one recipe,
 * so oe-core never treats them as duplicates (commit 9ae16469e707).
 */
export function isLicenseTask(task: string): boolean {
  return task === 'populate_lic' || task === 'do_populate_lic';
}
