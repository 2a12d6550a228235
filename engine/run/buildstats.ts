/**
 * Buildstats: an event sink that records when each task ran, for how long, with how much CPU,
 * how it ended and in which worker slot, and writes `${BUILDSTATS_BASE}/<build id>/`:
 *
 *   build_stats            Host Info, Build Started, Failed at ..., Elapsed time (OE's layout)
 *   <PF>/<task>            one key-value file per task, in OE's buildstats layout, so
 *                          oe-core's buildstats-diff and pybootchartgui can read it
 *   tsbake-buildstats.json everything above, machine-readable, for `tsbake buildstats`
 *
 * The build id is the build's start time in UTC, `YYYYMMDDhhmmss` (BitBake's BUILDNAME).
 * The slot of a task is the lowest slot free when it started, so a timeline has one row per
 * worker. Every file is written atomically; a task's file is written when the task ends, so a
 * build that dies still leaves what it did.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { machine, release, type } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs.js';
import type { BuildEvent, EventSink, TaskOutcome } from '../core/log/events.js';

export type StatOutcome = TaskOutcome | 'failed' | 'interrupted';

export interface TaskStat {
  readonly id: string;
  readonly pn: string;
  /** PF (`pn-pv-pr`) when the engine sent it, else the PN: names the recipe's directory. */
  readonly pf: string;
  readonly task: string;
  readonly recipeFile: string;
  readonly slot: number;
  /** Epoch seconds. */
  readonly started: number;
  readonly ended: number;
  /** CPU seconds (user + system) of the task's processes. */
  readonly cpu: number;
  readonly outcome: StatOutcome;
  /** 0 unless the task failed. */
  readonly exitCode: number;
}

export interface BuildstatsData {
  readonly format: typeof FORMAT;
  readonly buildId: string;
  /** Epoch seconds. */
  readonly started: number;
  readonly ended: number;
  /** How many slots the build used at most: the rows of its timeline. */
  readonly slots: number;
  /** Tasks settled without running (no start event): counted, not timed. */
  readonly settled: { readonly current: number; readonly restored: number; readonly noexec: number };
  /** In start order (ties: slot), every task that started. */
  readonly tasks: readonly TaskStat[];
}

export const FORMAT = 'tsbake-buildstats/1';
export const JSON_NAME = 'tsbake-buildstats.json';

export interface BuildstatsOptions {
  /** ${BUILDSTATS_BASE}. */
  readonly base: string;
  /** When the build started, epoch milliseconds; names the build unless buildId is given. */
  readonly startTime: number;
  readonly buildId?: string;
  /** `Host Info:` in build_stats; default the OS name, release and machine (no host name). */
  readonly hostInfo?: string;
}

export interface Buildstats {
  readonly sink: EventSink;
  /** `${BUILDSTATS_BASE}/<build id>`; final once a task has started (a second build in the same second gets `-1`). */
  readonly dir: string;
  /** Files that could not be written; the build goes on without them. */
  readonly problems: readonly string[];
  /**
   * Marks tasks still running as interrupted and writes build_stats and the JSON (nothing
   * when no task started). `endTime` (epoch ms) defaults to the latest event time seen.
   * Throws when the JSON cannot be written.
   */
  close(endTime?: number): BuildstatsData;
}

/** BitBake's BUILDNAME format, from epoch milliseconds, in UTC. */
export function buildIdFor(epochMs: number): string {
  const d = new Date(epochMs);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}`;
}

const secs = (ms: number): number => Math.round(ms) / 1000;
const fixed = (n: number): string => n.toFixed(2);

/** The file name of a task's stats: restored tasks are their `_setscene` twin, as in OE. */
export function statFileName(s: TaskStat): string {
  return s.outcome === 'restored' ? `${s.task}_setscene` : s.task;
}

/**
 * One task's key-value file. The CPU split into user and system time is not known, so
 * `rusage ru_utime` carries the whole CPU time: buildstats-diff adds the two anyway.
 */
export function taskStatText(s: TaskStat): string {
  const ok = s.outcome !== 'failed' && s.outcome !== 'interrupted';
  return [
    `Event: ${ok ? 'TaskSucceeded' : 'TaskFailed'}`,
    `Started: ${fixed(s.started)}`,
    `Ended: ${fixed(s.ended)}`,
    `Elapsed time: ${fixed(s.ended - s.started)} seconds`,
    `CPU time: ${fixed(s.cpu)} seconds`,
    `rusage ru_utime: ${fixed(s.cpu)}`,
    `rusage ru_stime: ${fixed(0)}`,
    `Slot: ${s.slot}`,
    `Outcome: ${s.outcome}`,
    `Exit status: ${s.exitCode}`,
    `Status: ${ok ? 'PASSED' : 'FAILED'}`,
    '',
  ].join('\n');
}

/** build_stats: the build as a whole, OE's keys. `ended` undefined while the build runs. */
export function buildStatsText(hostInfo: string, started: number, tasks: readonly TaskStat[], ended?: number): string {
  const lines = [`Host Info: ${hostInfo}`, `Build Started: ${fixed(started)}`];
  for (const s of tasks) if (s.outcome === 'failed') lines.push(`Failed at: ${s.pf} at task: ${s.task}`);
  if (ended !== undefined) lines.push(`Elapsed time: ${fixed(ended - started)} seconds`);
  return lines.join('\n') + '\n';
}

const byStart = (a: TaskStat, b: TaskStat): number => a.started - b.started || a.slot - b.slot || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Names from metadata never hold a slash, but a file name must not climb out of the build's directory. */
const fileSafe = (name: string): string => (name === '' || name === '.' || name === '..' ? `_${name}` : name.replace(/[/\0]/g, '_'));

/** PF when the engine sent one (the events do not require it). */
function pfOf(e: BuildEvent): { pf?: string } {
  return 'pf' in e && typeof e.pf === 'string' && e.pf !== '' ? { pf: e.pf } : {};
}

interface Running {
  readonly e: Extract<BuildEvent, { kind: 'task-started' }>;
  readonly slot: number;
}

class Recorder {
  dir: string;
  readonly problems: string[] = [];
  #buildId: string;
  readonly #opts: BuildstatsOptions;
  readonly #hostInfo: string;
  readonly #running = new Map<string, Running>();
  readonly #busy = new Set<number>();
  readonly #tasks: TaskStat[] = [];
  readonly #settled = { current: 0, restored: 0, noexec: 0 };
  #slots = 0;
  #latest: number;
  /** A task has started: the directory exists and the build will leave stats. */
  #begun = false;
  #closed: BuildstatsData | undefined;

  constructor(opts: BuildstatsOptions) {
    this.#opts = opts;
    this.#buildId = opts.buildId ?? buildIdFor(opts.startTime);
    this.dir = join(opts.base, this.#buildId);
    this.#hostInfo = opts.hostInfo ?? `${type()} ${release()} ${machine()}`;
    this.#latest = opts.startTime;
  }

  readonly sink = (e: BuildEvent): void => {
    if (this.#closed !== undefined) return;
    if ('time' in e) this.#latest = Math.max(this.#latest, e.time);
    switch (e.kind) {
      case 'task-started':
        // A noexec task runs nothing: no slot, no file (as BitBake's buildstats).
        if (!e.noexec) this.#start(e);
        return;
      case 'task-finished': {
        const r = this.#running.get(e.id);
        if (r !== undefined) this.#end(r, e.time, e.cpu, e.outcome, 0);
        else if (e.outcome !== 'ran') this.#settled[e.outcome]++;
        return;
      }
      case 'task-failed': {
        // A task can fail before it starts (its set-up failed); it still gets a slot and a file.
        const r = this.#running.get(e.id) ?? this.#start({ kind: 'task-started', id: e.id, recipeFile: e.recipeFile, task: e.task, pn: e.pn, index: 0, total: 0, time: e.time, ...pfOf(e) });
        this.#end(r, e.time, e.cpu, e.interrupted ? 'interrupted' : 'failed', e.exitCode);
        return;
      }
      case 'parse-progress':
      case 'task-progress':
      case 'note':
      case 'warning':
      case 'plan':
      case 'build-finished':
        return;
      default: {
        const never: never = e;
        throw new Error(`unreachable: ${String(never)}`);
      }
    }
  };

  close(endTime?: number): BuildstatsData {
    if (this.#closed !== undefined) return this.#closed;
    const end = endTime ?? this.#latest;
    for (const r of [...this.#running.values()]) this.#end(r, end, 0, 'interrupted', -1);
    const tasks = [...this.#tasks].sort(byStart);
    const data: BuildstatsData = { format: FORMAT, buildId: this.#buildId, started: secs(this.#opts.startTime), ended: secs(end), slots: this.#slots, settled: { ...this.#settled }, tasks };
    // A build that ran nothing (a no-op) leaves no directory: a no-op build writes nothing,
    // and `tsbake buildstats` keeps showing the last build that did some work.
    if (!this.#begun) {
      this.#closed = data;
      return data;
    }
    writeFileAtomic(join(this.dir, 'build_stats'), buildStatsText(this.#hostInfo, data.started, tasks, data.ended));
    writeFileAtomic(join(this.dir, JSON_NAME), JSON.stringify(data, null, 1) + '\n');
    this.#closed = data;
    return data;
  }

  #start(e: Running['e']): Running {
    let slot = 0;
    while (this.#busy.has(slot)) slot++;
    this.#busy.add(slot);
    this.#slots = Math.max(this.#slots, slot + 1);
    const r = { e, slot };
    this.#running.set(e.id, r);
    if (!this.#begun) {
      this.#begun = true;
      this.#claimDir();
      this.#write('build_stats', buildStatsText(this.#hostInfo, secs(this.#opts.startTime), []));
    }
    return r;
  }

  /**
   * Two builds started within the same second would share a directory and mix their files;
   * the second gets `-1` (which still sorts after the first).
   */
  #claimDir(): void {
    if (this.#opts.buildId !== undefined) return;
    const id = this.#buildId;
    for (let n = 1; existsSync(this.dir); n++) {
      this.#buildId = `${id}-${n}`;
      this.dir = join(this.#opts.base, this.#buildId);
    }
  }

  #end(r: Running, time: number, cpu: number, outcome: StatOutcome, exitCode: number): void {
    this.#running.delete(r.e.id);
    this.#busy.delete(r.slot);
    const { e } = r;
    const pf = pfOf(e).pf ?? e.pn;
    const s: TaskStat = { id: e.id, pn: e.pn, pf, task: e.task, recipeFile: e.recipeFile, slot: r.slot, started: secs(e.time), ended: secs(Math.max(time, e.time)), cpu: Math.round(cpu * 1000) / 1000, outcome, exitCode };
    this.#tasks.push(s);
    this.#write(join(fileSafe(pf), fileSafe(statFileName(s))), taskStatText(s));
  }

  #write(rel: string, text: string): void {
    try {
      writeFileAtomic(join(this.dir, rel), text);
    } catch (err) {
      this.problems.push(`${join(this.dir, rel)}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

export function createBuildstats(opts: BuildstatsOptions): Buildstats {
  const r = new Recorder(opts);
  return {
    sink: r.sink,
    get dir() {
      return r.dir;
    },
    problems: r.problems,
    close: (end) => r.close(end),
  };
}

/** Build ids under `base` that have a JSON summary, oldest first (ids sort by time). */
export function listBuilds(base: string): string[] {
  let names: string[];
  try {
    names = readdirSync(base);
  } catch {
    return [];
  }
  return names.filter((n) => isFile(join(base, n, JSON_NAME))).sort();
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Reads and checks a build's tsbake-buildstats.json. */
export function readBuildstats(dir: string): BuildstatsData {
  const file = join(dir, JSON_NAME);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read buildstats: ${e instanceof Error ? e.message : String(e)}`, { file, line: 0 });
  }
  const data = asBuildstats(raw);
  if (data === undefined) throw new UsageError(`not a ${FORMAT} file`, { file, line: 0 }, 'it was written by another tsbake version; run a build to make a new one');
  return data;
}

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const OUTCOMES: readonly string[] = ['ran', 'restored', 'current', 'noexec', 'failed', 'interrupted'] satisfies readonly StatOutcome[];
const isOutcome = (v: unknown): v is StatOutcome => isStr(v) && OUTCOMES.includes(v);

function asTaskStat(v: unknown): TaskStat | undefined {
  if (!isRec(v)) return undefined;
  const { id, pn, pf, task, recipeFile, slot, started, ended, cpu, outcome, exitCode } = v;
  if (!isStr(id) || !isStr(pn) || !isStr(pf) || !isStr(task) || !isStr(recipeFile)) return undefined;
  if (!isNum(slot) || !isNum(started) || !isNum(ended) || !isNum(cpu) || !isNum(exitCode) || !isOutcome(outcome)) return undefined;
  return { id, pn, pf, task, recipeFile, slot, started, ended, cpu, outcome, exitCode };
}

function asBuildstats(v: unknown): BuildstatsData | undefined {
  if (!isRec(v) || v['format'] !== FORMAT || !isRec(v['settled']) || !Array.isArray(v['tasks'])) return undefined;
  const { buildId, started, ended, slots } = v;
  const { current, restored, noexec } = v['settled'];
  if (!isStr(buildId) || !isNum(started) || !isNum(ended) || !isNum(slots) || !isNum(current) || !isNum(restored) || !isNum(noexec)) return undefined;
  const tasks: TaskStat[] = [];
  for (const t of v['tasks']) {
    const s = asTaskStat(t);
    if (s === undefined) return undefined;
    tasks.push(s);
  }
  return { format: FORMAT, buildId, started, ended, slots, settled: { current, restored, noexec }, tasks };
}
