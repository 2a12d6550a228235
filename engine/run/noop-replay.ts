/**
 * The no-op replay: a build in which every task was current records what it reported and
 * what that depended on, in `${CACHE}/tsbake-noop/<request>.json`. The next build of the same
 * request skips the task graph and the hashing: while the recipes and configuration are the
 * same (the parse cache's identity), every recorded stamp still exists, no task gained a
 * taint and every `[file-checksums]` file still has its checksum, that build would report
 * exactly the same, so it replays the report. Anything else, and the build runs as usual.
 *
 * Only run writes this directory. A damaged or foreign file is a miss, never an error.
 */
import { mkdirSync, readFileSync, writeFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { hashParts } from '../core/hash.js';
import type { BuildEvent } from '../core/log/events.js';
import type { TaskGraph } from '../graph/task-graph.js';
import { ChecksumMemo, fileChecksums, type ChecksumStamp, type FileChecksum } from '../../sstate/signature/taskhash.js';
import type { StampIndex } from './stamps.js';

const FORMAT = 'tsbake-noop-1';

/** One task's part of the check: its stamp, and what its hash took from the disk. */
interface RecordedTask {
  readonly stamp: string;
  readonly task: string;
  readonly hash: string;
  readonly taint?: string;
  /** The expanded `[file-checksums]` flag, and the checksums it gave. */
  readonly checks?: string;
  readonly files?: readonly FileChecksum[];
}

/** What the build reported, in order: an event, or a note (io.note). */
export type Reported = { readonly event: BuildEvent } | { readonly note: string };

export interface Replay {
  readonly format: string;
  readonly identity: string;
  readonly tasks: readonly RecordedTask[];
  readonly reported: readonly Reported[];
  /** Stat stamps of the checksummed files, so checking them reads none. */
  readonly memo: ReadonlyArray<readonly [string, ChecksumStamp]>;
}

/** The file for one request (targets, task, --runall/--runonly). */
export function replayFile(cacheDir: string, request: readonly string[]): string {
  return join(cacheDir, 'tsbake-noop', `${hashParts([FORMAT, ...request])}.json`);
}

export function readReplay(file: string, identity: string): Replay | undefined {
  try {
    const r = JSON.parse(readFileSync(file, 'utf8')) as Partial<Replay> | null;
    if (r?.format !== FORMAT || r.identity !== identity || !Array.isArray(r.tasks) || !Array.isArray(r.reported) || !Array.isArray(r.memo)) return undefined;
    return r as Replay;
  } catch {
    return undefined;
  }
}

/** Whether every recorded task is still current with the same hash inputs from the disk. */
export function stillCurrent(replay: Replay, stamps: StampIndex): boolean {
  const memo = new ChecksumMemo(replay.memo);
  for (const t of replay.tasks) {
    if (!stamps.isCurrent(t.stamp, t.task, t.hash) || stamps.taint(t.stamp, t.task) !== t.taint) return false;
    if (t.checks !== undefined && !sameChecksums(t.checks, t.files ?? [], memo)) return false;
  }
  return true;
}

function sameChecksums(checks: string, files: readonly FileChecksum[], memo: ChecksumMemo): boolean {
  let now: FileChecksum[];
  try {
    now = fileChecksums(checks, { memo });
  } catch {
    return false; // a listed file is gone: the build proper reports it
  }
  return now.length === files.length && now.every((f, i) => f.path === files[i]?.path && f.checksum === files[i]?.checksum);
}

/** The record of a build whose every task was current. */
export function makeReplay(identity: string, graph: TaskGraph, hashes: ReadonlyMap<string, string>, files: ReadonlyMap<string, readonly FileChecksum[]>, stamps: StampIndex, memo: ChecksumMemo, reported: readonly Reported[]): Replay {
  const tasks = graph.nodes.map((n): RecordedTask => {
    const taint = stamps.taint(n.recipe.stamp, n.task);
    const checks = n.info.flags['file-checksums'];
    return { stamp: n.recipe.stamp, task: n.task, hash: hashes.get(n.id) ?? '', ...(taint ? { taint } : {}), ...(checks ? { checks, files: files.get(n.id) ?? [] } : {}) };
  });
  return { format: FORMAT, identity, tasks, reported, memo: memo.entries() };
}

/** Atomic (temp then rename); a cache that cannot be written only costs the next build time. */
export function writeReplay(file: string, replay: Replay): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(tmp, JSON.stringify(replay));
    renameSync(tmp, file);
  } catch {
    rmSync(tmp, { force: true });
  }
}

/** Reports again what the recorded build reported, with fresh times. */
export function replayReport(replay: Replay, emit: (e: BuildEvent) => void, note: (m: string) => void): void {
  for (const r of replay.reported) {
    if ('note' in r) note(r.note);
    else emit('time' in r.event ? { ...r.event, time: Date.now() } : r.event);
  }
}
