/**
 * tsbake-sstate's shell: walk the cache once, stat only what the chosen rules need, decide
 * what goes (pure rules in remove-duplicated.ts, stale.ts, evict.ts), optionally verify,
 * report, confirm, and unlink in parallel. The entry (main.ts) supplies the console, stdin
 * and the clock through ManageIO, and turns the result into an exit code.
 */
import { realpathSync } from 'node:fs';
import { byteCompare, sortNames } from '../signature/byte-order.js';
import { objectFiles, type CacheFile, type Catalogue, type SstateObject } from './catalogue.js';
import { InterruptedError, requireDirectory } from './errors.js';
import { overBudget, usedBefore } from './evict.js';
import type { StatScope } from './fs-batch.js';
import { batches, FsPool } from './fs-pool.js';
import { removes, type ManageOptions } from './options.js';
import { duplicateGroups, olderDuplicates } from './remove-duplicated.js';
import { referencedHashes } from './stamps.js';
import { orphanFiles, staleTemps, unreferencedObjects } from './stale.js';
import { walkCache } from './walk.js';

export interface ManageIO {
  /** Text for stdout; lines end with '\n'. */
  readonly out: (text: string) => void;
  /** Text for stderr; lines end with '\n'. */
  readonly err: (text: string) => void;
  /** Shows `question` and reads the answer. */
  readonly confirm: (question: string) => Promise<boolean>;
  /** Wall-clock time, ms. */
  readonly now: () => number;
  /** Whether a process with this pid runs on this host. */
  readonly isAlive: (pid: number) => boolean;
  readonly signal: AbortSignal;
}

export type Reason = 'duplicate' | 'unreferenced' | 'orphan' | 'stale temp file' | 'older than --older-than' | 'corrupt' | 'over --max-size';

const UNLINK_BATCH = 1000;
const VERIFY_BATCH = 4;
const DAY_MS = 24 * 60 * 60 * 1000;

/** What is removed and why; the first reason given for a file wins. */
class RemovalPlan {
  readonly files = new Map<CacheFile, Reason>();

  addObjects(objects: readonly SstateObject[], reason: Reason): void {
    for (const o of objects) this.addFiles(objectFiles(o), reason);
  }

  addFiles(files: readonly CacheFile[], reason: Reason): void {
    for (const f of files) if (!this.files.has(f)) this.files.set(f, reason);
  }

  hasObject(o: SstateObject): boolean {
    return objectFiles(o).some((f) => this.files.has(f));
  }
}

export async function manageCache(cacheDir: string, o: ManageOptions, io: ManageIO): Promise<number> {
  const debug = (level: number, text: string): void => {
    if (o.debug >= level) io.err(`DEBUG: ${text}\n`);
  };
  const timed: Timed = async (what, work) => {
    const t0 = performance.now();
    const result = await work();
    debug(1, `${what}: ${Math.round(performance.now() - t0)} ms`);
    return result;
  };
  const root = cacheDir.length > 1 ? cacheDir.replace(/\/+$/, '') : cacheDir;
  const realRoot = checkCacheDir(root);
  const stamps = o.stampsDirs.length > 0 ? referencedHashes(o.stampsDirs) : undefined;
  for (const [dir, n] of stamps?.stampsPerDir ?? []) {
    if (n === 0) io.err(`WARNING: no stamps found in ${dir}: every object would count as unused\n`);
    else debug(1, `${dir}: ${n} stamp and sigdata files`);
  }

  const pool = new FsPool(o.jobs, io.signal);
  try {
    const walked = await timed('walk', () => walkCache(root, realRoot, pool, statScope(o)));
    const cat = walked.catalogue;
    debug(1, `${walked.dirs} directories, ${cat.fileCount} sstate files in ${cat.objects.length} objects, ${cat.temps.length} temp files, ${walked.ignored + cat.unrecognised.length} other entries`);
    for (const l of walked.skippedLinks) debug(1, `left alone: ${l.path}: ${l.why}`);
    for (const f of cat.unrecognised) debug(2, `not an sstate file name: ${f.path}`);

    const { plan, corrupt } = await decide(cat, o, stamps?.hashes, pool, io, timed);
    report(plan, cat, o, io, debug);
    // Exit 1 while corrupt archives stay in the cache (--verify alone, a dry run, a "no").
    const n = plan.files.size;
    if (n === 0 || o.dryRun) return corrupt.length > 0 ? 1 : 0;
    if (!o.yes) {
      const yes = await io.confirm('Do you want to continue (y/n)?');
      if (io.signal.aborted) throw new InterruptedError('interrupted');
      if (!yes) return corrupt.length > 0 ? 1 : 0;
    }
    const failed = await timed('unlink', () => removeFiles(pool, plan, io));
    if (o.verbose) io.out(`Removed ${n - failed} files.\n`);
    return failed > 0 ? 1 : 0;
  } finally {
    await pool.close();
  }
}

type Timed = <T>(what: string, work: () => Promise<T>) => Promise<T>;

/**
 * The rules in a fixed order, each adding to the plan: -d, --stamps-dir, --remove-orphans,
 * --older-than, then --verify on what is still kept, then --max-size on what is left.
 */
async function decide(cat: Catalogue, o: ManageOptions, referenced: ReadonlySet<string> | undefined, pool: FsPool, io: ManageIO, timed: Timed): Promise<{ plan: RemovalPlan; corrupt: SstateObject[] }> {
  const plan = new RemovalPlan();
  if (o.removeDuplicated) plan.addObjects(olderDuplicates(duplicateGroups(cat.objects)), 'duplicate');
  if (referenced) plan.addObjects(unreferencedObjects(cat.objects, referenced), 'unreferenced');
  if (o.removeOrphans) {
    plan.addFiles(orphanFiles(cat.objects), 'orphan');
    plan.addFiles(
      staleTemps(cat.temps, { now: io.now(), isAlive: io.isAlive }).map((t) => t.file),
      'stale temp file',
    );
  }
  if (o.olderThanDays !== undefined) plan.addObjects(usedBefore(cat.objects, io.now() - o.olderThanDays * DAY_MS), 'older than --older-than');
  let corrupt: SstateObject[] = [];
  if (o.verify) {
    corrupt = await timed('verify', () => verifyObjects(pool, cat.objects.filter((x) => x.archive && !plan.hasObject(x)), io));
    if (removes(o)) plan.addObjects(corrupt, 'corrupt');
  }
  if (o.maxSize !== undefined) plan.addObjects(overBudget(cat.objects.filter((x) => !plan.hasObject(x)), o.maxSize), 'over --max-size');
  return { plan, corrupt };
}

/** The cache's real path; a missing or unreadable cache is an error before anything runs. */
function checkCacheDir(root: string): string {
  requireDirectory(root, 'the sstate cache', 'pass the SSTATE_DIR of a build with --cache-dir');
  return realpathSync(root);
}

/**
 * What the walk lstats: archives for -d (most groups have rivals, and an lstat next to its
 * readdir is cheaper than a second pass), temp files for --remove-orphans, everything for
 * the LRU rules; nothing for --stamps-dir or --verify.
 */
function statScope(o: ManageOptions): StatScope {
  const lru = o.olderThanDays !== undefined || o.maxSize !== undefined;
  return { archives: lru || o.removeDuplicated, companions: lru, temps: o.removeOrphans };
}

/** Verifies the archives of `objects`; prints each corrupt one and returns them. */
async function verifyObjects(pool: FsPool, objects: readonly SstateObject[], io: ManageIO): Promise<SstateObject[]> {
  const corrupt: { o: SstateObject; reason: string }[] = [];
  const unreadable: string[] = [];
  await Promise.all(
    batches(objects, VERIFY_BATCH).map(async (batch) => {
      const results = await pool.verify(batch.map((x) => x.archive?.linkTarget ?? x.archive?.path ?? x.path));
      batch.forEach((x, i) => {
        const r = results[i];
        if (r?.status === 'corrupt') corrupt.push({ o: x, reason: r.reason });
        else if (r?.status === 'unreadable') unreadable.push(`WARNING: cannot verify ${x.path}: ${r.reason}\n`);
      });
    }),
  );
  corrupt.sort((a, b) => byteCompare(a.o.path, b.o.path));
  for (const line of sortNames(unreadable)) io.err(line);
  if (corrupt.length > 0) io.out(corrupt.map((c) => `corrupt: ${c.o.path}: ${c.reason}\n`).join(''));
  io.out(`${objects.length} archives verified, ${corrupt.length} corrupt.\n`);
  return corrupt.map((c) => c.o);
}

function report(plan: RemovalPlan, cat: Catalogue, o: ManageOptions, io: ManageIO, debug: (level: number, text: string) => void): void {
  if (o.debug >= 1) {
    const byReason = new Map<Reason, number>();
    for (const r of plan.files.values()) byReason.set(r, (byReason.get(r) ?? 0) + 1);
    for (const [r, count] of byReason) debug(1, `${r}: ${count} files`);
    if (o.debug >= 2) for (const [f, r] of plan.files) debug(2, `${r}: ${f.path}`);
  }
  if (o.dryRun || o.verbose) {
    const paths = sortNames([...plan.files.keys()].map((f) => f.path));
    // One write per 64 KiB: a dry run over a large cache lists six-figure line counts.
    let chunk = '';
    for (const p of paths) {
      chunk += `${p}\n`;
      if (chunk.length > 65536) {
        io.out(chunk);
        chunk = '';
      }
    }
    if (chunk) io.out(chunk);
  }
  if (removes(o)) io.out(`${plan.files.size} out of ${cat.fileCount} files will be removed!\n`);
}

/**
 * Archives and temp files first, then .siginfo/.done: stopped half-way, the cache holds at
 * worst orphaned companions, which --remove-orphans clears. Returns the number of failures.
 */
async function removeFiles(pool: FsPool, plan: RemovalPlan, io: ManageIO): Promise<number> {
  const first: CacheFile[] = [];
  const second: CacheFile[] = [];
  for (const f of plan.files.keys()) (f.path.endsWith('.siginfo') || f.path.endsWith('.done') ? second : first).push(f);
  let failed = 0;
  for (const phase of [first, second]) {
    await Promise.all(
      batches(phase, UNLINK_BATCH).map(async (batch) => {
        for (const e of await pool.unlink(batch.map((f) => f.path))) {
          failed++;
          io.err(`ERROR: cannot remove ${batch[e.index]?.path ?? '?'}: ${e.message}\n`);
        }
      }),
    );
  }
  return failed;
}
