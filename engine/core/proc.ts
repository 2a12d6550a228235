/**
 * Child processes run in their own process group and are always reaped: the entry point
 * can signal every group at once (Ctrl-C reaches only tsbake; tsbake decides).
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

const groups = new Set<number>();

export function spawnInGroup(cmd: string, args: readonly string[], opts: SpawnOptions): ChildProcess {
  const child = spawn(cmd, args, { ...opts, detached: true });
  const pid = child.pid;
  if (pid !== undefined) {
    groups.add(pid);
    child.once('exit', () => groups.delete(pid));
  }
  return child;
}

/** Tracks a process group started elsewhere (the task spawner's children), until it ends. */
export function trackGroup(pgid: number): void {
  groups.add(pgid);
}

export function untrackGroup(pgid: number): void {
  groups.delete(pgid);
}

const signallers: Array<(signal: NodeJS.Signals) => void> = [];

/**
 * Adds a way to reach process groups tsbake cannot signal itself (tasks in the task
 * spawner's PID namespace): killAllGroups calls it too.
 */
export function addGroupSignaller(signaller: (signal: NodeJS.Signals) => void): () => void {
  signallers.push(signaller);
  return () => {
    const i = signallers.indexOf(signaller);
    if (i >= 0) signallers.splice(i, 1);
  };
}

/** Sends `signal` to every process group started through spawnInGroup that is still running. */
export function killAllGroups(signal: NodeJS.Signals): number {
  for (const s of signallers) s(signal);
  let n = 0;
  for (const pgid of groups) {
    try {
      process.kill(-pgid, signal);
      n++;
    } catch {
      groups.delete(pgid);
    }
  }
  return n;
}

export function runningGroups(): number {
  return groups.size;
}
