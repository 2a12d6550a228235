/**
 * The task graph of a build, with BitBake's runqueue rules: `addtask after/before`,
 * `[deptask]`, `[rdeptask]`, `[depends]`, `[rdepends]`, `[recrdeptask]` (recursive over
 * build- and run-time dependencies, with self-referencing recursive tasks not depending on
 * each other) and `[recideptask]`. Only the tasks the targets need are kept. Pure data.
 */
import { GraphError } from '../core/errors.js';
import type { RecipeInfo, TaskInfo } from '../metadata/recipe-info.js';
import { findCycle } from './cycles.js';
import type { TaskData } from './taskdata.js';
import { taskId, type TaskId } from './task-id.js';

export interface TaskNode {
  readonly id: TaskId;
  readonly pn: string;
  readonly task: string;
  readonly recipe: RecipeInfo;
  readonly info: TaskInfo;
  /** Tasks that must finish first. */
  readonly deps: readonly TaskId[];
  /** Tasks that wait for this one. */
  readonly dependents: readonly TaskId[];
  /** Length of the longest chain of tasks from here to the end of the build (scheduling priority). */
  readonly weight: number;
}

export interface TaskGraph {
  /** In a topological order: every task after its dependencies. */
  readonly nodes: readonly TaskNode[];
  readonly byId: ReadonlyMap<TaskId, TaskNode>;
  /** The tasks the command line asked for. */
  readonly targets: readonly TaskId[];
}

export interface GraphRequest {
  /** Names to build, each optionally `NAME:do_task` (that task instead of `task`). */
  readonly targets: readonly string[];
  /** The task to run for each target without its own (`-c`), `do_`-prefixed. */
  readonly task: string;
  /** `--runall`: also run this task for every recipe in the graph. */
  readonly runall?: string;
  /** `--runonly`: run only this task (and what it needs) within the targets' graph. */
  readonly runonly?: string;
}

const words = (s: string | undefined): string[] => (s ?? '').split(/\s+/).filter(Boolean);
const prefixed = (t: string): string => (t.startsWith('do_') ? t : `do_${t}`);

/** A command-line target as BitBake's cooker reads it: `NAME:do_task` names its own task. */
export function splitTarget(target: string, task: string): { readonly name: string; readonly task: string } {
  const at = target.indexOf(':do_');
  return at < 0 ? { name: target, task } : { name: target.slice(0, at), task: target.slice(at + 1).split(':do_')[0] ?? task };
}

/**
 * For every task, the set of recipes its (transitive) dependencies belong to, as one bit row
 * per task in a single buffer: recursive dependency unions are then word-wise ORs.
 */
class RecipeRows {
  readonly words: number;
  readonly rows: Uint32Array;
  readonly known: Uint8Array;
  constructor(tasks: number, recipes: number) {
    this.words = (recipes + 31) >>> 5;
    this.rows = new Uint32Array(tasks * this.words);
    this.known = new Uint8Array(tasks);
  }
  /** ORs task `from`'s row (and recipe `recipe`) into `into` (a row-sized buffer). */
  orInto(into: Uint32Array, from: number): void {
    if (!this.known[from]) return;
    const base = from * this.words;
    for (let w = 0; w < this.words; w++) into[w] = (into[w] ?? 0) | (this.rows[base + w] ?? 0);
  }
  *members(row: Uint32Array): Generator<number> {
    for (let w = 0; w < row.length; w++) {
      let v = row[w] ?? 0;
      while (v !== 0) {
        const low = v & -v;
        yield (w << 5) + 31 - Math.clz32(low);
        v ^= low;
      }
    }
  }
}

const setBit = (row: Uint32Array, i: number): void => {
  row[i >>> 5] = (row[i >>> 5] ?? 0) | (1 << (i & 31));
};

interface Entry {
  readonly id: TaskId;
  readonly recipe: number;
  readonly task: string;
  readonly info: TaskInfo;
  readonly deps: Set<number>;
}

export function buildTaskGraph(td: TaskData, req: GraphRequest): TaskGraph {
  const keys = [...td.recipes.keys()];
  const recipes = [...td.recipes.values()];
  const recipeIndex = new Map(keys.map((k, i) => [k, i] as const));
  const entries: Entry[] = [];
  /** Per recipe: task name → entry index (no string building in the hot loops). */
  const tasksOf = recipes.map(() => new Map<string, number>());
  for (const [ri, r] of recipes.entries()) {
    for (const info of r.tasks) {
      // `do_X_setscene` restores do_X from shared state; it is planned apart (sstate/setscene).
      if (info.name.endsWith('_setscene')) continue;
      tasksOf[ri]?.set(info.name, entries.length);
      entries.push({ id: taskId(r.pn, info.name), recipe: ri, task: info.name, info, deps: new Set() });
    }
  }
  const lookup = (key: string, task: string): number | undefined => {
    const ri = recipeIndex.get(key);
    return ri === undefined ? undefined : tasksOf[ri]?.get(task);
  };
  const addFrom = (deps: Set<number>, pns: readonly string[] | undefined, tasks: readonly string[]): void => {
    for (const pn of pns ?? []) for (const t of tasks) {
      const d = lookup(pn, t);
      if (d !== undefined) deps.add(d);
    }
  };

  const recursive = new Map<number, string[]>();
  const recursiveI = new Map<number, number[]>();
  const selfRef = new Set<number>();
  for (const [i, e] of entries.entries()) {
    const r = recipes[e.recipe] as RecipeInfo;
    const key = keys[e.recipe] as string;
    for (const after of e.info.after) {
      const d = lookup(key, after);
      if (d !== undefined) e.deps.add(d);
    }
    addFrom(e.deps, td.depends.get(key), words(e.info.flags.deptask));
    addFrom(e.deps, td.rdepends.get(key), words(e.info.flags.rdeptask));
    for (const [flag, targets] of [
      ['depends', td.buildTargets],
      ['rdepends', td.runTargets],
    ] as const) {
      for (const entry of words(e.info.flags[flag])) {
        const [name = '', task = ''] = entry.split(':');
        const provider = targets.get(name);
        if (!provider) continue;
        const d = lookup(td.keyOf(provider), task);
        if (d === undefined) throw new GraphError(`task ${e.task} in ${r.pn} ${flag === 'depends' ? 'depends' : 'rdepends'} upon non-existent task ${task} in ${provider.pn}`, { file: r.file, line: 0 });
        e.deps.add(d);
      }
    }
    const rec = words(e.info.flags.recrdeptask);
    if (rec.length) {
      recursive.set(i, rec);
      addFrom(e.deps, td.depends.get(key), rec);
      addFrom(e.deps, td.rdepends.get(key), rec);
      if (rec.includes(e.task)) selfRef.add(i);
      const ideps = words(e.info.flags.recideptask);
      if (ideps.length) recursiveI.set(i, ideps.map((t) => lookup(key, t)).filter((x): x is number => x !== undefined));
    }
    e.deps.delete(i);
  }

  const expand = recursiveExpander(entries, tasksOf, recursive, recursiveI);
  const prepare = (t: number): void => {
    expand(t);
    if (selfRef.has(t)) for (const s of selfRef) entries[t]?.deps.delete(s);
  };
  const active = markActive(entries, keys, td, req, lookup, prepare);
  checkOneVersion(active.set, entries, recipes);
  return finish(entries, recipes, active);
}

/**
 * recrdeptask part B: every recipe reachable from a recursive task contributes the named
 * tasks, repeated until nothing is added. Computed on demand, only for the recursive tasks a
 * build reaches (a world build would otherwise pay for every recipe's do_build).
 */
function recursiveExpander(
  entries: Entry[],
  tasksOf: ReadonlyArray<ReadonlyMap<string, number>>,
  recursive: ReadonlyMap<number, readonly string[]>,
  recursiveI: ReadonlyMap<number, readonly number[]>,
): (tid: number) => void {
  const recipeCount = tasksOf.length;
  let cumulative: RecipeRows | undefined;
  const done = new Set<number>();
  const expand = (tid: number): void => {
    const tasknames = recursive.get(tid);
    if (!tasknames || done.has(tid)) return;
    done.add(tid);
    cumulative ??= cumulativeRecipes(entries, recipeCount);
    const e = entries[tid] as Entry;
    for (let added = true; added; ) {
      added = false;
      const total = new Set(e.deps);
      for (const d of recursiveI.get(tid) ?? []) {
        total.add(d);
        for (const dd of entries[d]?.deps ?? []) total.add(dd);
      }
      const reach = new Uint32Array(cumulative.words);
      for (const d of total) cumulative.orInto(reach, d);
      for (const ri of cumulative.members(reach)) {
        for (const name of tasknames) {
          const n = tasksOf[ri]?.get(name);
          if (n === undefined || n === tid || e.deps.has(n)) continue;
          e.deps.add(n);
          added = true;
        }
      }
      for (const d of [...e.deps]) {
        if (!recursive.has(d)) continue;
        expand(d);
        for (const dd of entries[d]?.deps ?? []) {
          if (e.deps.has(dd) || dd === tid || !tasknames.includes((entries[dd] as Entry).task)) continue;
          e.deps.add(dd);
          added = true;
        }
      }
    }
  };
  return expand;
}

/** For each task, the recipes of every task it (transitively) depends on. */
function cumulativeRecipes(entries: readonly Entry[], recipeCount: number): RecipeRows {
  const out = new RecipeRows(entries.length, recipeCount);
  const remaining = new Int32Array(entries.length);
  const dependents: number[][] = entries.map(() => []);
  const ready: number[] = [];
  entries.forEach((e, i) => {
    remaining[i] = e.deps.size;
    for (const d of e.deps) dependents[d]?.push(i);
    if (e.deps.size === 0) ready.push(i);
  });
  while (ready.length) {
    const i = ready.pop() as number;
    const row = out.rows.subarray(i * out.words, (i + 1) * out.words);
    for (const d of (entries[i] as Entry).deps) {
      setBit(row, (entries[d] as Entry).recipe);
      out.orInto(row, d);
    }
    out.known[i] = 1;
    for (const n of dependents[i] ?? []) {
      remaining[n] = (remaining[n] ?? 1) - 1;
      if (remaining[n] === 0) ready.push(n);
    }
  }
  return out;
}

/** The tasks the request needs: its targets' tasks and everything they depend on. */
function markActive(
  entries: readonly Entry[],
  keys: readonly string[],
  td: TaskData,
  req: GraphRequest,
  lookup: (pn: string, task: string) => number | undefined,
  prepare: (t: number) => void,
): { set: Set<number>; targets: number[] } {
  // No recipe at all (every target ASSUME_PROVIDED): BitBake's runqueue has nothing to do, so
  // --runall/--runonly find nothing to complain about either.
  if (keys.length === 0) return { set: new Set(), targets: [] };
  const targets: number[] = [];
  for (const target of req.targets) {
    const { name, task } = splitTarget(target, req.task);
    const r = td.buildTargets.get(name);
    if (!r) continue;
    const t = lookup(td.keyOf(r), task);
    if (t === undefined) {
      const known = r.tasks.map((x) => x.name).join(' ');
      throw new GraphError(`task ${task} does not exist for target ${name} (${r.pn})`, { file: r.file, line: 0 }, `its tasks are: ${known}`);
    }
    targets.push(t);
  }
  const closure = (roots: readonly number[]): Set<number> => {
    const seen = new Set<number>();
    const stack = [...roots];
    while (stack.length) {
      const t = stack.pop() as number;
      if (seen.has(t)) continue;
      seen.add(t);
      prepare(t);
      for (const d of (entries[t] as Entry).deps) if (!seen.has(d)) stack.push(d);
    }
    return seen;
  };
  let set = closure(targets);
  const inGraph = (): Set<number> => new Set([...set].map((t) => (entries[t] as Entry).recipe));
  if (req.runall) {
    // BitBake: the runall tasks of every recipe in the graph become the only targets; repeat
    // while their own dependencies bring recipes whose runall task is not in yet.
    const task = prefixed(req.runall);
    let chosen = new Set<number>();
    for (;;) {
      const next = new Set([...inGraph()].map((ri) => lookup(keys[ri] as string, task)).filter((x): x is number => x !== undefined));
      if (next.size === 0) throw new GraphError(`no recipe in the graph has a task ${task} (--runall)`);
      const added = [...next].some((t) => !chosen.has(t));
      chosen = next;
      set = closure([...chosen]);
      if (!added) break;
    }
    targets.splice(0, targets.length, ...[...chosen].sort((a, b) => a - b));
  }
  if (req.runonly) {
    const task = prefixed(req.runonly);
    const only = [...set].filter((t) => (entries[t] as Entry).task === task);
    if (only.length === 0) throw new GraphError(`no task ${task} in the targets' graph (--runonly)`);
    targets.splice(0, targets.length, ...only);
    set = closure(only);
  }
  return { set, targets };
}

/** BitBake's runqueue refuses a build that needs two versions (two files) of one PN. */
function checkOneVersion(active: ReadonlySet<number>, entries: readonly Entry[], recipes: readonly RecipeInfo[]): void {
  const files = new Map<string, string[]>();
  for (const i of active) {
    const r = recipes[(entries[i] as Entry).recipe] as RecipeInfo;
    const seen = files.get(r.pn) ?? [];
    if (!seen.includes(r.file)) files.set(r.pn, [...seen, r.file]);
  }
  for (const [pn, list] of files) {
    if (list.length < 2) continue;
    throw new GraphError(
      `Multiple versions of ${pn} are due to be built (${list.join(' ')}). Only one version of a given PN should be built in any given build.`,
      undefined,
      `set PREFERRED_VERSION_${pn} to select the correct version, or don't depend on several versions`,
    );
  }
}

function finish(entries: readonly Entry[], recipes: readonly RecipeInfo[], active: { set: Set<number>; targets: number[] }): TaskGraph {
  // Typed arrays indexed by entry: a world build has thousands of tasks, and Maps cost here.
  const ids = [...active.set].sort((a, b) => a - b);
  const inGraph = new Uint8Array(entries.length);
  for (const i of ids) inGraph[i] = 1;
  const deps: number[][] = [];
  const dependents: number[][] = [];
  for (const i of ids) {
    deps[i] = [...(entries[i] as Entry).deps].filter((d) => inGraph[d] === 1).sort((a, b) => a - b);
    dependents[i] = [];
  }
  for (const i of ids) for (const d of deps[i] ?? []) dependents[d]?.push(i);

  const order: number[] = [];
  const remaining = new Int32Array(entries.length);
  const ready: number[] = [];
  for (const i of ids) {
    remaining[i] = deps[i]?.length ?? 0;
    if (remaining[i] === 0) ready.push(i);
  }
  for (let head = 0; head < ready.length; head++) {
    const i = ready[head] as number;
    order.push(i);
    for (const n of dependents[i] ?? []) {
      remaining[n] = (remaining[n] ?? 1) - 1;
      if (remaining[n] === 0) ready.push(n);
    }
  }
  if (order.length < ids.length) {
    const done = new Set(order);
    const stuck = ids.filter((i) => !done.has(i));
    const cycle = findCycle(stuck, (i) => deps[i] ?? []);
    const names = cycle.map((i) => (entries[i] as Entry).id);
    throw new GraphError(`dependency cycle: ${names.join(' -> ')}`, undefined, 'one of these tasks must not depend on the next');
  }
  const weight = new Int32Array(entries.length);
  for (let k = order.length - 1; k >= 0; k--) {
    const i = order[k] as number;
    let most = 0;
    for (const n of dependents[i] ?? []) most = Math.max(most, weight[n] ?? 0);
    weight[i] = 1 + most;
  }

  const nodes: TaskNode[] = order.map((i) => {
    const e = entries[i] as Entry;
    const r = recipes[e.recipe] as RecipeInfo;
    return {
      id: e.id,
      pn: r.pn,
      task: e.task,
      recipe: r,
      info: e.info,
      deps: (deps[i] ?? []).map((d) => (entries[d] as Entry).id),
      dependents: (dependents[i] ?? []).map((d) => (entries[d] as Entry).id),
      weight: weight[i] ?? 1,
    };
  });
  return { nodes, byId: new Map(nodes.map((n) => [n.id, n])), targets: active.targets.map((t) => (entries[t] as Entry).id) };
}
