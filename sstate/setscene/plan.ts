/**
 * The setscene plan: which tasks are restored from shared state and which real tasks still
 * have to run, as BitBake decides without a BB_SETSCENE_DEPVALID hook:
 *   - every sstate task of the graph that is not current is restored when its object exists,
 *     even when nothing left to run needs it (BitBake skips a setscene only when that hook
 *     says so);
 *   - walking from the targets and from every sstate task whose object is missing, a current
 *     or restored task is done and its dependencies are not needed through it; any other task
 *     runs and its dependencies are needed.
 * So restoring a recipe's packages means its compile never runs, now or in the next (no-op)
 * build, while a dependency whose object is missing is built for real. Pure.
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
  const restore: TaskId[] = [];
  const missed: TaskId[] = [];
  for (const node of graph.nodes) {
    if (!input.isSstate(node) || input.isCurrent(node)) continue;
    (input.hasObject(node) ? restore : missed).push(node.id);
  }
  // Restored tasks are kept from the start, so the walk stops at them.
  const keep = new Set<TaskId>(restore);
  const stack = [...graph.targets, ...missed];
  while (stack.length) {
    const id = stack.pop() as TaskId;
    const node = graph.byId.get(id);
    if (!node || keep.has(id)) continue;
    keep.add(id);
    if (input.isCurrent(node)) continue;
    for (const d of node.deps) if (!keep.has(d)) stack.push(d);
  }
  return { restore, keep };
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
