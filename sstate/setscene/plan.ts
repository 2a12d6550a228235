/**
 * The setscene plan: which tasks are restored from shared state and which real tasks still
 * have to run. Walking from the targets, a task whose stamp is current is done and an sstate
 * task whose object exists is restored; either way its dependencies are not needed through
 * it. Any other task runs and its dependencies are needed. So restoring a recipe's packages
 * means its compile never runs, now or in the next (no-op) build. Pure.
 */
import type { TaskGraph, TaskNode } from '../../engine/graph/task-graph.js';
import type { TaskId } from '../../engine/graph/task-id.js';

export interface PlanInput {
  readonly graph: TaskGraph;
  readonly isSstate: (node: TaskNode) => boolean;
  readonly isCurrent: (node: TaskNode) => boolean;
  readonly hasObject: (node: TaskNode) => boolean;
}

export interface SetscenePlan {
  /** Tasks to restore, in graph order. */
  readonly restore: readonly TaskId[];
  /** Every task the build still touches: to run, to restore, or already current. */
  readonly keep: ReadonlySet<TaskId>;
}

export function planSetscene(input: PlanInput): SetscenePlan {
  const { graph } = input;
  const keep = new Set<TaskId>();
  const restore = new Set<TaskId>();
  const stack = [...graph.targets];
  while (stack.length) {
    const id = stack.pop() as TaskId;
    if (keep.has(id)) continue;
    const node = graph.byId.get(id);
    if (!node) continue;
    keep.add(id);
    if (input.isCurrent(node)) continue;
    if (input.isSstate(node) && input.hasObject(node)) {
      restore.add(id);
      continue;
    }
    for (const d of node.deps) if (!keep.has(d)) stack.push(d);
  }
  return { restore: graph.nodes.filter((n) => restore.has(n.id)).map((n) => n.id), keep };
}

/** The graph restricted to `keep` (dependencies outside it are dropped: nobody needs them). */
export function restrictGraph(graph: TaskGraph, keep: ReadonlySet<TaskId>): TaskGraph {
  const nodes = graph.nodes
    .filter((n) => keep.has(n.id))
    .map((n) => ({ ...n, deps: n.deps.filter((d) => keep.has(d)), dependents: n.dependents.filter((d) => keep.has(d)) }));
  return { nodes, byId: new Map(nodes.map((n) => [n.id, n])), targets: graph.targets.filter((t) => keep.has(t)) };
}

export interface SstateSummary {
  readonly wanted: number;
  readonly local: number;
  readonly mirrors: number;
  readonly missed: number;
  readonly current: number;
}

/** BitBake's "Sstate summary" line. */
export function summaryLine(s: SstateSummary): string {
  const found = s.local + s.mirrors;
  const match = s.wanted ? Math.floor((found / s.wanted) * 100) : 0;
  // oe-core reports 0% complete when nothing was current (its own arithmetic, kept).
  const complete = s.current ? Math.floor(((found + s.current) / (s.wanted + s.current)) * 100) : 0;
  return `Sstate summary: Wanted ${s.wanted} Local ${s.local} Mirrors ${s.mirrors} Missed ${s.missed} Current ${s.current} (${match}% match, ${complete}% complete)`;
}
