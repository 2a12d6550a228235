/**
 * Shared benchmark plumbing: run a command N times and take medians of its wall time and of
 * the peak resident memory of its whole process tree.
 *
 * Memory is sampled from /proc every ~20 ms and summed over the command and all of its
 * descendants, because BitBake's work happens in a server and its parser processes, not in
 * the `bitbake` client. BitBake's server double-forks away from its client, so a bench can
 * also name extra roots: processes whose working directory is the build directory.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const SAMPLE_MS = 20;
const PAGE = 4096;
const CLOCK_TICK_S = 0.01; // USER_HZ; 100 on every Linux we run on

export interface RunOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Processes whose cwd is one of these count as part of the tree (daemonised servers). */
  readonly adoptCwd?: readonly string[];
  /** Output is kept only for error messages. */
  readonly expectStatus?: number;
}

export interface Measurement {
  readonly wallS: number;
  /** Peak of the summed RSS of the tree, bytes. */
  readonly peakRss: number;
  /** CPU seconds of tree members by command name (`python3`, `node`, ...), as last sampled. */
  readonly cpuByComm: ReadonlyMap<string, number>;
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

interface ProcInfo {
  readonly ppid: number;
  readonly comm: string;
  readonly cwd: string | undefined;
}

/** /proc/<pid>/stat: "pid (comm) state ppid ... utime stime ..."; comm may contain spaces. */
function readStat(pid: number): { ppid: number; comm: string; cpuS: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const open = text.indexOf('(');
    const close = text.lastIndexOf(')');
    const rest = text.slice(close + 2).split(' ');
    // rest[0] is the state (field 3): ppid is field 4, utime 14, stime 15.
    return { ppid: Number(rest[1]), comm: text.slice(open + 1, close), cpuS: (Number(rest[11]) + Number(rest[12])) * CLOCK_TICK_S };
  } catch {
    return undefined; // gone between readdir and read
  }
}

function readRss(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/statm`, 'latin1').split(' ');
    return Number(fields[1]) * PAGE;
  } catch {
    return 0;
  }
}

/** Follows one process tree through /proc; new pids are inspected once. */
class TreeSampler {
  readonly #adopt: ReadonlySet<string>;
  readonly #seen = new Map<number, ProcInfo>();
  readonly #members = new Set<number>();
  readonly #cpu = new Map<number, { comm: string; cpuS: number }>();
  peakRss = 0;

  constructor(root: number, adoptCwd: readonly string[]) {
    this.#adopt = new Set(adoptCwd);
    this.#members.add(root);
  }

  sample(): void {
    let pids: number[];
    try {
      pids = readdirSync('/proc').map(Number).filter(Number.isInteger);
    } catch {
      return;
    }
    for (const pid of pids) {
      if (this.#seen.has(pid)) continue;
      const st = readStat(pid);
      if (!st) continue;
      let cwd: string | undefined;
      if (this.#adopt.size) {
        try {
          cwd = readlinkSync(`/proc/${pid}/cwd`);
        } catch {
          cwd = undefined;
        }
      }
      this.#seen.set(pid, { ppid: st.ppid, comm: st.comm, cwd });
    }
    // Parents are seen before children in most cases; loop until nothing new joins.
    for (let grew = true; grew; ) {
      grew = false;
      for (const pid of pids) {
        if (this.#members.has(pid)) continue;
        const info = this.#seen.get(pid);
        if (!info || pid === process.pid) continue;
        if (this.#members.has(info.ppid) || (info.cwd !== undefined && this.#adopt.has(info.cwd))) {
          this.#members.add(pid);
          grew = true;
        }
      }
    }
    const alive = new Set(pids);
    let rss = 0;
    for (const pid of this.#members) {
      if (!alive.has(pid)) continue;
      rss += readRss(pid);
      const st = readStat(pid);
      if (st) this.#cpu.set(pid, { comm: st.comm, cpuS: st.cpuS });
    }
    this.peakRss = Math.max(this.peakRss, rss);
  }

  cpuByComm(): Map<string, number> {
    const out = new Map<string, number>();
    for (const { comm, cpuS } of this.#cpu.values()) out.set(comm, (out.get(comm) ?? 0) + cpuS);
    return out;
  }
}

/** Runs `cmd args` once, sampling its process tree until it exits. */
export async function measure(cmd: string, args: readonly string[], opts: RunOptions): Promise<Measurement> {
  const start = process.hrtime.bigint();
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot start ${cmd}`);
  const sampler = new TreeSampler(pid, opts.adoptCwd ?? []);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  sampler.sample();
  const timer = setInterval(() => sampler.sample(), SAMPLE_MS);
  const status = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
  const wallS = Number(process.hrtime.bigint() - start) / 1e9;
  clearInterval(timer);
  await new Promise((resolve) => (child.stdout.readableEnded ? resolve(undefined) : child.stdout.once('end', resolve)));
  if (opts.expectStatus !== undefined && status !== opts.expectStatus) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${status} in ${opts.cwd}\n${stdout.slice(-2000)}\n${stderr.slice(-2000)}`);
  }
  return { wallS, peakRss: sampler.peakRss, cpuByComm: sampler.cpuByComm(), status, stdout, stderr };
}

export interface Series {
  readonly wallS: number;
  readonly peakRss: number;
  readonly cpuByComm: ReadonlyMap<string, number>;
  readonly runs: readonly Measurement[];
}

/**
 * `runs` measurements, each after `before()` (cache deletion, server shutdown: untimed);
 * medians of wall time, peak RSS and per-command CPU.
 */
export async function series(runs: number, before: () => Promise<void> | void, once: () => Promise<Measurement>): Promise<Series> {
  const all: Measurement[] = [];
  for (let i = 0; i < runs; i++) {
    await before();
    all.push(await once());
  }
  const comms = new Set(all.flatMap((m) => [...m.cpuByComm.keys()]));
  const cpuByComm = new Map([...comms].map((c) => [c, median(all.map((m) => m.cpuByComm.get(c) ?? 0))] as const));
  return { wallS: median(all.map((m) => m.wallS)), peakRss: median(all.map((m) => m.peakRss)), cpuByComm, runs: all };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  if (s.length === 0) return Number.NaN;
  return s.length % 2 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** Waits for processes whose cwd is `dir` to exit; SIGTERM, then SIGKILL, those that stay. */
export async function reapByCwd(dir: string, graceMs = 5000): Promise<number> {
  const find = (): number[] => {
    let pids: number[] = [];
    try {
      pids = readdirSync('/proc').map(Number).filter((p) => Number.isInteger(p) && p !== process.pid);
    } catch {
      return [];
    }
    return pids.filter((p) => {
      try {
        return readlinkSync(`/proc/${p}/cwd`) === dir;
      } catch {
        return false;
      }
    });
  };
  const deadline = Date.now() + graceMs;
  let left = find();
  while (left.length && Date.now() < deadline) {
    await sleep(50);
    left = find();
  }
  const stubborn = left.length;
  for (const [signal, waitMs] of [['SIGTERM', 2000], ['SIGKILL', 1000]] as const) {
    if (!left.length) break;
    for (const p of left) {
      try {
        process.kill(p, signal);
      } catch {
        // already gone
      }
    }
    const until = Date.now() + waitMs;
    while ((left = find()).length && Date.now() < until) await sleep(50);
  }
  return stubborn;
}

export const seconds = (s: number): string => `${s.toFixed(s < 10 ? 2 : 1)}s`;
export const megabytes = (b: number): string => `${Math.round(b / (1024 * 1024))}MB`;

/** What every bench gets from bench/run.ts. */
export interface BenchContext {
  /** Measured runs per figure (the median is printed). */
  readonly runs: number;
  /** Layer sizes (recipes) to generate. */
  readonly sizes: readonly number[];
  /** Keep generated layers (their paths go to stderr). */
  readonly keep: boolean;
  /** `--skip-bitbake`: measure tsbake only, even when BitBake is found. */
  readonly skipBitbake: boolean;
  /** One result line. */
  readonly out: (line: string) => void;
  /** Progress and notes. */
  readonly note: (line: string) => void;
}

export interface Bench {
  readonly name: string;
  readonly description: string;
  run(ctx: BenchContext): Promise<void>;
}
