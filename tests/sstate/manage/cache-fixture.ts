/**
 * Sstate caches made at test time: files with realistic names at <h[0:2]>/<h[2:4]>/, mtimes
 * set with utimes, and a runner for the built tsbake-sstate.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PACKAGE_ROOT } from '../../../engine/core/package-root.js';

export const DAY = 24 * 60 * 60;
/** "Now" for fixtures, in seconds; the real clock, so ages are right for the CLI. */
export const NOW = Math.floor(Date.now() / 1000);

export interface FixtureObject {
  readonly pn: string;
  readonly task: string;
  /** Any label; the hash is derived from it. */
  readonly id: string;
  readonly arch?: string;
  /** oe-core's second field (default `<arch>-poky-linux`). */
  readonly target?: string;
  readonly pkgArch?: string;
  readonly pv?: string;
  /** Seconds since the epoch. */
  readonly mtime: number;
  readonly siginfo?: boolean;
  readonly archive?: boolean;
  /** Archive contents (default: empty). */
  readonly content?: Uint8Array;
}

export const hashOf = (id: string): string => createHash('sha256').update(id).digest('hex');

export function objectName(o: FixtureObject): string {
  const arch = o.arch ?? 'core2-64';
  return `sstate:${o.pn}:${o.target ?? `${arch}-poky-linux`}:${o.pv ?? '1.0'}:r0:${o.pkgArch ?? arch}:14:${hashOf(o.id)}_${o.task}.tar.zst`;
}

/** The archive's path relative to the cache. */
export function objectRel(o: FixtureObject): string {
  const h = hashOf(o.id);
  return `${h.slice(0, 2)}/${h.slice(2, 4)}/${objectName(o)}`;
}

export function writeFile(cache: string, rel: string, mtime: number, content: Uint8Array | string = ''): void {
  const p = join(cache, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, content);
  utimesSync(p, mtime, mtime);
}

export function addObject(cache: string, o: FixtureObject): void {
  const rel = objectRel(o);
  if (o.archive !== false) writeFile(cache, rel, o.mtime, o.content ?? '');
  if (o.siginfo !== false) writeFile(cache, `${rel}.siginfo`, o.mtime, '{}');
}

const made: string[] = [];

/** A new temp directory, removed by removeTempDirs (each test file's test.after.always). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `tsbake-${prefix}-`));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function makeCache(objects: readonly FixtureObject[]): string {
  const cache = tempDir('sstate-cache');
  for (const o of objects) addObject(cache, o);
  return cache;
}

/** Every file and symlink under `dir`, relative, sorted. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) visit(p);
      else out.push(relative(dir, p));
    }
  };
  visit(dir);
  return out.sort();
}

/** The archive and .siginfo of each object, relative, sorted. */
export function filesOf(objects: readonly FixtureObject[]): string[] {
  return objects
    .flatMap((o) => {
      const rel = objectRel(o);
      return [...(o.archive !== false ? [rel] : []), ...(o.siginfo !== false ? [`${rel}.siginfo`] : [])];
    })
    .sort();
}

export interface CliResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function tsbakeSstate(args: readonly string[], opts: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv; uid?: number } = {}): CliResult {
  const r = spawnSync(process.execPath, [join(PACKAGE_ROOT, 'dist/sstate/manage/main.js'), ...args], {
    ...(opts.uid === undefined ? {} : { uid: opts.uid, gid: opts.uid }),
    cwd: opts.cwd ?? tmpdir(),
    env: { PATH: process.env['PATH'], HOME: process.env['HOME'], ...opts.env },
    input: opts.input ?? '',
    encoding: 'utf8',
    timeout: 1_200_000, // a hang guard only: a loaded machine may take minutes
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
