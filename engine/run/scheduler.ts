/**
 * Runs a task graph: each task counts its unfinished dependencies; a finishing task enqueues
 * the dependents it made ready before it returns (so onIdle cannot resolve early). p-queue
 * limits concurrency to BB_NUMBER_THREADS and starts the task with the longest remaining
 * chain first. On a failure nothing new starts (running tasks finish), unless keep-going,
 * which goes on with everything that does not depend on the failure.
 */
import PQueue from 'p-queue';
import { formatError } from '../core/diagnostic.js';
import { InterruptedError } from '../core/errors.js';
import type { EventSink, TaskOutcome } from '../core/log/events.js';
import type { TaskGraph, TaskNode } from '../graph/task-graph.js';
import type { TaskId } from '../graph/task-id.js';

/** What happened to a task the scheduler handed out. */
export type RunResult = { readonly ok: true; readonly cpu: number } | { readonly ok: false; readonly exitCode: number; readonly logFile: string; readonly logTail: readonly string[]; readonly cpu: number; readonly interrupted: boolean };

export interface SchedulerOptions {
  readonly threads: number;
  readonly keepGoing: boolean;
  /** How each task is settled without running: current (stamp valid), noexec, or undefined = must run. */
  readonly settle: (node: TaskNode) => Exclude<TaskOutcome, 'ran'> | undefined;
  readonly run: (node: TaskNode) => Promise<RunResult>;
  /** Called when a task (run or noexec) completed, to write its stamp. */
  readonly completed: (node: TaskNode, outcome: TaskOutcome) => void;
  readonly emit: EventSink;
  readonly signal: AbortSignal;
}

export interface BuildOutcome {
  readonly attempted: number;
  /** Tasks that did not need to run: their stamp was current. */
  readonly current: number;
  readonly restored: number;
  readonly failed: readonly TaskId[];
  readonly interrupted: readonly TaskId[];
  /** Tasks never started because something they need failed or the build stopped. */
  readonly notRun: number;
}

const pfOf = (node: TaskNode): string => `${node.pn}-${node.recipe.pv}-${node.recipe.pr}`;

export async function runGraph(graph: TaskGraph, opts: SchedulerOptions): Promise<BuildOutcome> {
  const queue = new PQueue({ concurrency: Math.max(1, opts.threads) });
  const remaining = new Map<TaskId, number>(graph.nodes.map((n) => [n.id, n.deps.length]));
  // noexec tasks count as run (numbered, not "didn't need to be rerun"), as in BitBake.
  const toRun = graph.nodes.filter((n) => {
    const settled = opts.settle(n);
    return settled === undefined || settled === 'noexec';
  }).length;
  let started = 0;
  let current = 0;
  let restored = 0;
  let finished = 0;
  let stopping = false;
  const failed: TaskId[] = [];
  const interrupted: TaskId[] = [];
  opts.signal.addEventListener('abort', () => {
    stopping = true;
    queue.clear();
  });

  /** A task settled without running. */
  const skip = (node: TaskNode, outcome: Exclude<TaskOutcome, 'ran'>): void => {
    if (outcome === 'restored') restored++;
    else if (outcome === 'current') current++;
    else {
      started++;
      opts.emit({ kind: 'task-started', id: node.id, recipeFile: node.recipe.file, task: node.task, pn: node.pn, pf: pfOf(node), index: started, total: toRun, time: Date.now(), noexec: true });
    }
    if (outcome !== 'current') opts.completed(node, outcome);
    opts.emit({ kind: 'task-finished', id: node.id, task: node.task, pn: node.pn, pf: pfOf(node), outcome, time: Date.now(), cpu: 0 });
  };

  /** Marks `node` done and makes its ready dependents go (or adds them to `batch`), iteratively (never recursing). */
  const done = (first: TaskNode, batch?: TaskNode[]): void => {
    const stack = [first];
    const ready = batch ?? [];
    while (stack.length) {
      const node = stack.pop() as TaskNode;
      finished++;
      for (const nextId of node.dependents) {
        const left = (remaining.get(nextId) ?? 1) - 1;
        remaining.set(nextId, left);
        if (left !== 0 || stopping) continue;
        const next = graph.byId.get(nextId);
        if (!next) continue;
        const settled = opts.settle(next);
        if (settled === undefined) {
          ready.push(next);
          continue;
        }
        skip(next, settled);
        stack.push(next);
      }
    }
    if (!batch) enqueueAll(ready);
  };

  const runOne = async (node: TaskNode): Promise<void> => {
    if (stopping) return;
    started++;
    opts.emit({ kind: 'task-started', id: node.id, recipeFile: node.recipe.file, task: node.task, pn: node.pn, pf: pfOf(node), index: started, total: toRun, time: Date.now() });
    let result: RunResult;
    try {
      result = await opts.run(node);
    } catch (e) {
      result = { ok: false, exitCode: 1, logFile: '', logTail: formatError(e).split('\n'), cpu: 0, interrupted: e instanceof InterruptedError };
    }
    if (result.ok) {
      opts.completed(node, 'ran');
      opts.emit({ kind: 'task-finished', id: node.id, task: node.task, pn: node.pn, pf: pfOf(node), outcome: 'ran', time: Date.now(), cpu: result.cpu });
      done(node);
      return;
    }
    (result.interrupted ? interrupted : failed).push(node.id);
    opts.emit({
      kind: 'task-failed',
      id: node.id,
      recipeFile: node.recipe.file,
      task: node.task,
      pn: node.pn,
      pf: pfOf(node),
      exitCode: result.exitCode,
      logFile: result.logFile,
      logTail: result.logTail,
      time: Date.now(),
      cpu: result.cpu,
      interrupted: result.interrupted,
    });
    if (!opts.keepGoing) {
      stopping = true;
      queue.clear();
    }
  };

  /** `[number_threads]`: at most that many instances of a task run at once; the rest wait here. */
  const limited = new Map<string, { running: number; waiting: TaskNode[] }>();
  const limitOf = (node: TaskNode): number => Number.parseInt(node.info.flags.number_threads ?? '', 10) || 0;
  function enqueue(node: TaskNode): void {
    const limit = limitOf(node);
    if (limit > 0) {
      const slot = limited.get(node.task) ?? { running: 0, waiting: [] };
      limited.set(node.task, slot);
      if (slot.running >= limit) {
        slot.waiting.push(node);
        return;
      }
      slot.running++;
    }
    void queue.add(async () => {
      try {
        await runOne(node);
      } finally {
        const slot = limit > 0 ? limited.get(node.task) : undefined;
        if (slot) {
          slot.running--;
          const next = slot.waiting.shift();
          if (next && !stopping) enqueue(next);
        }
      }
    }, { priority: node.weight });
  }

  /**
   * A free slot takes the first task added, before the queue's priorities can order the rest:
   * add a batch of ready tasks longest chain first.
   */
  function enqueueAll(ready: readonly TaskNode[]): void {
    for (const node of [...ready].sort((a, b) => b.weight - a.weight)) enqueue(node);
  }

  const roots = graph.nodes.filter((n) => n.deps.length === 0);
  const readyRoots: TaskNode[] = [];
  for (const root of roots) {
    remaining.set(root.id, -1);
    const settled = opts.settle(root);
    if (settled === undefined) {
      readyRoots.push(root);
      continue;
    }
    skip(root, settled);
    done(root, readyRoots);
  }
  enqueueAll(readyRoots);
  await queue.onIdle();
  const attempted = finished + failed.length + interrupted.length;
  return { attempted, current, restored, failed, interrupted, notRun: graph.nodes.length - attempted };
}
