/**
 * The siginfo: every input of a task's hash with its value (BitBake's sigdata), stored as
 * JSON next to a stamp and an sstate object, so that "why did this run again?" is a diff of
 * two records. The hashes are never computed from the JSON: `readSiginfo` recomputes them
 * from the record's fields and refuses a record whose hashes do not match.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ParseError } from '../../engine/core/errors.js';
import { basehash, type BaseSignature } from './basehash.js';
import { byteCompare } from './byte-order.js';
import { sortChecksums, taskhash, type DepHashes, type FileChecksum } from './taskhash.js';
import type { SigValue } from './vardeps.js';

export const SIGINFO_FORMAT = 1;

export interface Siginfo extends BaseSignature {
  readonly format: typeof SIGINFO_FORMAT;
  /** The hash each dependency task had when this one was hashed, by task id. */
  readonly depHashes: DepHashes;
  readonly fileChecksums: readonly FileChecksum[];
  readonly taint: string | null;
  readonly taskhash: string;
}

/** What only the run knows: the dependencies' hashes, the files' checksums and any taint. */
export interface RunInputs {
  readonly depHashes: DepHashes;
  readonly fileChecksums: readonly FileChecksum[];
  readonly taint?: string;
}

const sortedRecord = <T>(r: Readonly<Record<string, T>>): Record<string, T> =>
  Object.fromEntries(Object.entries(r).sort(([a], [b]) => byteCompare(a, b)));

/** The complete record, with the taskhash, and every map and list in byte order. */
export function makeSiginfo(base: BaseSignature, run: RunInputs): Siginfo {
  const files = sortChecksums(run.fileChecksums);
  return {
    format: SIGINFO_FORMAT,
    task: base.task,
    basehash: base.basehash,
    taskhash: taskhash(base.basehash, run.depHashes, files, run.taint),
    deps: [...base.deps].sort(byteCompare),
    values: sortedRecord(base.values),
    gendeps: sortedRecord(base.gendeps),
    functions: [...base.functions].sort(byteCompare),
    ignoredVars: [...base.ignoredVars].sort(byteCompare),
    depHashes: sortedRecord(run.depHashes),
    fileChecksums: files,
    taint: run.taint ?? null,
  };
}

/** Writes `record` to `path` atomically (a temp file in the same directory, then rename). */
export function writeSiginfo(path: string, record: Siginfo): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    writeFileSync(tmp, `${JSON.stringify(record, null, 1)}\n`);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

export function readSiginfo(path: string): Siginfo {
  const where = { file: path, line: 0 };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ParseError(`not a siginfo file: ${e instanceof Error ? e.message : String(e)}`, where);
  }
  const problem = shapeProblem(raw);
  if (problem !== undefined) throw new ParseError(`not a siginfo file: ${problem}`, where);
  const record = raw as Siginfo;
  if (basehash(record) !== record.basehash || taskhash(record.basehash, record.depHashes, record.fileChecksums, record.taint ?? undefined) !== record.taskhash) {
    throw new ParseError('siginfo hashes do not match its contents', where, 'the file was edited or written by another version; delete it');
  }
  return record;
}

// ---- shape check --------------------------------------------------------------------------

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isStringArray = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === 'string');
const isRecordOf = (x: unknown, ok: (v: unknown) => boolean): boolean => isObject(x) && Object.values(x).every(ok);

function shapeProblem(x: unknown): string | undefined {
  if (!isObject(x)) return 'not a JSON object';
  if (x['format'] !== SIGINFO_FORMAT) return `format ${String(x['format'])}, expected ${SIGINFO_FORMAT}`;
  for (const k of ['task', 'basehash', 'taskhash'] as const) if (typeof x[k] !== 'string') return `${k} is not a string`;
  for (const k of ['deps', 'functions', 'ignoredVars'] as const) if (!isStringArray(x[k])) return `${k} is not a list of strings`;
  if (!isRecordOf(x['values'], (v) => v === null || typeof v === 'string')) return 'values is not a map of strings';
  if (!isRecordOf(x['gendeps'], isStringArray)) return 'gendeps is not a map of lists';
  if (!isRecordOf(x['depHashes'], (v) => typeof v === 'string')) return 'depHashes is not a map of strings';
  const files = x['fileChecksums'];
  if (!Array.isArray(files) || !files.every((f) => isObject(f) && typeof f['path'] === 'string' && typeof f['checksum'] === 'string')) return 'fileChecksums is not a list of {path, checksum}';
  if (x['taint'] !== null && typeof x['taint'] !== 'string') return 'taint is not a string';
  const values = x['values'] as Record<string, unknown>;
  const task = x['task'] as string;
  const missing = [task, ...(x['deps'] as string[])].find((n) => !Object.hasOwn(values, n));
  return missing === undefined ? undefined : `no value for ${missing}`;
}

// ---- diff ----------------------------------------------------------------------------------

/** One reason two signatures of a task differ, for "why did this run again?". */
export type SiginfoChange =
  | { readonly kind: 'task-renamed'; readonly old: string; readonly new: string }
  | { readonly kind: 'ignored-vars-changed'; readonly added: readonly string[]; readonly removed: readonly string[] }
  | { readonly kind: 'function-changed'; readonly name: string; readonly old: SigValue; readonly new: SigValue }
  | { readonly kind: 'variable-changed'; readonly name: string; readonly old: SigValue; readonly new: SigValue }
  /** `name` became a dependency; `by` are the names (or the task) that now depend on it directly. */
  | { readonly kind: 'variable-added'; readonly name: string; readonly value: SigValue; readonly by: readonly string[] }
  | { readonly kind: 'variable-removed'; readonly name: string; readonly value: SigValue }
  | { readonly kind: 'dependency-hash-changed'; readonly task: string; readonly old: string; readonly new: string }
  | { readonly kind: 'dependency-added'; readonly task: string; readonly hash: string }
  | { readonly kind: 'dependency-removed'; readonly task: string; readonly hash: string }
  | { readonly kind: 'file-checksum-changed'; readonly path: string; readonly old: string; readonly new: string }
  | { readonly kind: 'file-added'; readonly path: string; readonly checksum: string }
  | { readonly kind: 'file-removed'; readonly path: string; readonly checksum: string }
  | { readonly kind: 'taint-changed'; readonly old: string | null; readonly new: string | null };

const own = <T>(r: Readonly<Record<string, T>>, k: string): T | undefined => (Object.hasOwn(r, k) ? r[k] : undefined);

/** Names whose direct dependencies include `name` in `sig`. */
function dependents(sig: Siginfo, name: string): string[] {
  return [sig.task, ...sig.deps].filter((n) => own(sig.gendeps, n)?.includes(name)).sort(byteCompare);
}

function varChanges(a: Siginfo, b: Siginfo): SiginfoChange[] {
  const out: SiginfoChange[] = [];
  const inA = new Set([a.task, ...a.deps]);
  const inB = new Set([b.task, ...b.deps]);
  const functions = new Set([...a.functions, ...b.functions]);
  // The task's own code compares with the task's, even if the task was renamed.
  const pairs: Array<[string, string]> = [[a.task, b.task]];
  for (const n of [...new Set([...a.deps, ...b.deps])].sort(byteCompare)) {
    if (n === a.task || n === b.task) continue;
    if (!inA.has(n)) out.push({ kind: 'variable-added', name: n, value: own(b.values, n) ?? null, by: dependents(b, n) });
    else if (!inB.has(n)) out.push({ kind: 'variable-removed', name: n, value: own(a.values, n) ?? null });
    else pairs.push([n, n]);
  }
  const changed: SiginfoChange[] = [];
  for (const [na, nb] of pairs) {
    const old = own(a.values, na) ?? null;
    const now = own(b.values, nb) ?? null;
    if (old === now) continue;
    const kind = functions.has(na) || functions.has(nb) ? 'function-changed' : 'variable-changed';
    changed.push({ kind, name: nb, old, new: now });
  }
  return [...changed, ...out];
}

function depHashChanges(a: DepHashes, b: DepHashes): SiginfoChange[] {
  const out: SiginfoChange[] = [];
  for (const id of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort(byteCompare)) {
    const old = own(a, id);
    const now = own(b, id);
    if (old === undefined && now !== undefined) out.push({ kind: 'dependency-added', task: id, hash: now });
    else if (now === undefined && old !== undefined) out.push({ kind: 'dependency-removed', task: id, hash: old });
    else if (old !== undefined && now !== undefined && old !== now) out.push({ kind: 'dependency-hash-changed', task: id, old, new: now });
  }
  return out;
}

/** Checksums by name; two files of one name (possible in BitBake's naming too) compare as a set. */
function checksumsByPath(files: readonly FileChecksum[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const f of files) m.set(f.path, m.has(f.path) ? `${m.get(f.path) ?? ''} ${f.checksum}` : f.checksum);
  return m;
}

function fileChanges(a: readonly FileChecksum[], b: readonly FileChecksum[]): SiginfoChange[] {
  const ma = checksumsByPath(sortChecksums(a));
  const mb = checksumsByPath(sortChecksums(b));
  const out: SiginfoChange[] = [];
  for (const path of [...new Set([...ma.keys(), ...mb.keys()])].sort(byteCompare)) {
    const old = ma.get(path);
    const now = mb.get(path);
    if (old === undefined && now !== undefined) out.push({ kind: 'file-added', path, checksum: now });
    else if (now === undefined && old !== undefined) out.push({ kind: 'file-removed', path, checksum: old });
    else if (old !== undefined && now !== undefined && old !== now) out.push({ kind: 'file-checksum-changed', path, old, new: now });
  }
  return out;
}

/**
 * What changed from `a` (the previous run) to `b` (this one), in a fixed order: task name,
 * ignore list, code and variables (changed, then added/removed, by name), dependency task
 * hashes, files, taint. Empty when both hash the same.
 */
export function diffSiginfo(a: Siginfo, b: Siginfo): SiginfoChange[] {
  const out: SiginfoChange[] = [];
  if (a.task !== b.task) out.push({ kind: 'task-renamed', old: a.task, new: b.task });
  const ia = new Set(a.ignoredVars);
  const ib = new Set(b.ignoredVars);
  const added = b.ignoredVars.filter((v) => !ia.has(v));
  const removed = a.ignoredVars.filter((v) => !ib.has(v));
  if (added.length || removed.length) out.push({ kind: 'ignored-vars-changed', added, removed });
  out.push(...varChanges(a, b), ...depHashChanges(a.depHashes, b.depHashes), ...fileChanges(a.fileChecksums, b.fileChecksums));
  if (a.taint !== b.taint) out.push({ kind: 'taint-changed', old: a.taint, new: b.taint });
  return out;
}
