/**
 * Starts task processes through engine/run/spawner.py, small python3 processes that
 * posix_spawn one child per task (cheap) instead of forking this large Node process (1-2 ms
 * each). One spawner serves tasks with [network], another lives in a network namespace of
 * its own and serves the rest. A spawner exits, killing its tasks, when its stdin closes, so
 * even kill -9 of tsbake leaves no task behind. Every task's process group is tracked for
 * Ctrl-C handling.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { TsbakeError } from '../core/errors.js';
import { PACKAGE_ROOT } from '../core/package-root.js';
import { addGroupSignaller, trackGroup, untrackGroup } from '../core/proc.js';

export class SpawnError extends TsbakeError {
  readonly code = 'E_SPAWN';
}

export interface SpawnRequest {
  /** The command; its script changes to the task's directory itself. */
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** The log file the task's stdout and stderr go to. */
  readonly log: string;
  /** False: the task runs without network (only loopback). */
  readonly network: boolean;
}

export interface SpawnResult {
  readonly status: number;
  /** User + system CPU seconds of the task and its reaped descendants. */
  readonly cpu: number;
}

interface Pending {
  readonly resolve: (r: SpawnResult) => void;
  readonly reject: (e: Error) => void;
  pid?: number;
  /** The pid is tsbake's to signal (false: it lives in the spawner's PID namespace). */
  tracked?: boolean;
  kind: Kind;
  /** TSBAKE_TASK in the task's environment. */
  readonly token: string;
}

type Reply = { started: number; pid: number; isolated?: boolean } | { exited: number; status: number; cpu: number } | { failed: number; error: string } | { warning: string };

type Kind = 'online' | 'offline';

export class TaskSpawner {
  readonly #python: string;
  readonly #onWarning: (message: string) => void;
  /** Started on first use: a build with nothing to run starts no process. */
  readonly #children = new Map<Kind, ChildProcess>();
  /** Spawners whose tasks live in a PID namespace: Ctrl-C reaches those tasks through them. */
  readonly #isolated = new Set<ChildProcess>();
  readonly #pending = new Map<number, Pending>();
  readonly #removeSignaller: () => void;
  #next = 1;
  #closed = false;

  constructor(python: string, onWarning: (message: string) => void) {
    this.#python = python;
    this.#onWarning = onWarning;
    this.#removeSignaller = addGroupSignaller((signal) => {
      for (const child of this.#isolated) child.stdin?.write(`${JSON.stringify({ signal })}\n`);
    });
  }

  #start(kind: Kind): ChildProcess {
    const existing = this.#children.get(kind);
    if (existing) return existing;
    const python = this.#python;
    const child = spawn(python, [join(PACKAGE_ROOT, 'engine/run/spawner.py'), ...(kind === 'offline' ? ['offline'] : [])], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, TSBAKE_PARENT_PID: String(process.pid) },
    });
    child.stdin?.on('error', () => {}); // a dead spawner is reported by its 'exit'
    child.once('error', (e) => this.#failAll(kind, child, new SpawnError(`cannot start the task spawner (${python}): ${e.message}`)));
    child.once('exit', (code, signal) => this.#failAll(kind, child, new SpawnError(`the task spawner exited (${code ?? signal}); the task was stopped`)));
    if (child.stdout) createInterface({ input: child.stdout }).on('line', (line) => this.#reply(child, JSON.parse(line) as Reply));
    this.#children.set(kind, child);
    return child;
  }

  /**
   * The spawner died (a task may have killed it): its tasks fail, their process groups are
   * killed so that no shell keeps running, and the next task starts a new spawner.
   */
  #failAll(kind: Kind, child: ChildProcess, e: Error): void {
    if (this.#children.get(kind) === child) this.#children.delete(kind);
    this.#isolated.delete(child);
    for (const [id, p] of this.#pending) {
      if (p.kind !== kind) continue;
      if (p.pid !== undefined && p.tracked === true) {
        try {
          process.kill(-p.pid, 'SIGKILL');
        } catch {
          // already gone
        }
        untrackGroup(p.pid);
      }
      killByToken(p.token);
      this.#pending.delete(id);
      p.reject(e);
    }
  }

  #reply(child: ChildProcess, r: Reply): void {
    if ('warning' in r) {
      this.#onWarning(r.warning);
      return;
    }
    if ('started' in r) {
      const p = this.#pending.get(r.started);
      if (r.isolated === true) this.#isolated.add(child);
      if (p) {
        p.pid = r.pid;
        p.tracked = r.isolated !== true;
        if (p.tracked) trackGroup(r.pid);
      }
      return;
    }
    const id = 'exited' in r ? r.exited : r.failed;
    const p = this.#pending.get(id);
    if (!p) return;
    this.#pending.delete(id);
    if (p.pid !== undefined && p.tracked === true) untrackGroup(p.pid);
    if ('exited' in r) p.resolve({ status: r.status, cpu: r.cpu });
    else p.reject(new SpawnError(r.error));
  }

  run(req: SpawnRequest): Promise<SpawnResult> {
    if (this.#closed) return Promise.reject(new SpawnError('the task spawner is closed'));
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      const kind = req.network ? 'online' : 'offline';
      // The task's TSBAKE_TASK token: how its processes are found when the spawner dies before naming its pid.
      const token = randomBytes(16).toString('hex');
      this.#pending.set(id, { resolve, reject, kind, token });
      this.#start(kind).stdin?.write(`${JSON.stringify({ id, argv: req.argv, env: req.env, log: req.log, token })}\n`);
    });
  }

  /** Closing stdin makes each spawner stop (killing anything still running) and exit. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#removeSignaller();
    for (const child of this.#children.values()) child.stdin?.end();
  }
}

/** SIGKILLs every process whose environment carries the task's token (a task whose spawner died before it reported the pid). */
function killByToken(token: string): void {
  const mark = Buffer.from(`TSBAKE_TASK=${token}\0`);
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`).includes(mark)) process.kill(Number(name), 'SIGKILL');
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
}
