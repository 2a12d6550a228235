/**
 * The basehash: a task's own inputs (its code and every variable, function and flag it
 * depends on, with values), hashed as a canonical list of length-prefixed parts. It is
 * computed at parse time for every task (RecipeInfo, through `taskBasehashes`) and again at
 * run time from a fresh parse (`taskSignature`), and both must agree.
 */
import { hashParts } from '../../engine/core/hash.js';
import type { DataStore } from '../../engine/metadata/datastore.js';
import { sortNames } from './byte-order.js';
import { VarDeps, type SigValue, type TaskDeps } from './vardeps.js';

/** How an unset name is hashed: distinct from "" (ARCHITECTURE rule 10). */
export const UNSET_MARK = '\0';
/** Bump when the canonical form changes, so no old basehash can match a new one. */
const FORMAT = 'tsbake-basehash-1';

/** The part of a signature the basehash is computed from. */
export type BasehashInput = Pick<TaskDeps, 'task' | 'deps' | 'values'>;

/** A task's dependencies with values, and their basehash: what a siginfo starts from. */
export interface BaseSignature extends TaskDeps {
  readonly basehash: string;
}

function valueOf(values: Readonly<Record<string, SigValue>>, name: string): string {
  if (!Object.hasOwn(values, name)) throw new Error(`the signature has no value for ${name}`);
  return values[name] ?? UNSET_MARK;
}

export function basehash(sig: BasehashInput): string {
  return hashOf(sig.task, valueOf(sig.values, sig.task), sortNames([...sig.deps]), (d) => valueOf(sig.values, d));
}

/**
 * The canonical list: format, task, its code, then each dependency (sorted by byte order)
 * with its value. RecipeSignatures.basehash builds the same list from the nodes.
 */
function hashOf(task: string, code: string, sortedDeps: readonly string[], value: (dep: string) => string): string {
  const parts = [FORMAT, task, code, String(sortedDeps.length)];
  for (const d of sortedDeps) parts.push(d, value(d));
  return hashParts(parts);
}

/**
 * The signatures of a finalised recipe store's tasks, sharing one analysis: what the runner
 * creates for a freshly parsed recipe and keeps while it runs that recipe's tasks.
 */
export class RecipeSignatures {
  readonly #analysis: VarDeps;

  constructor(store: DataStore) {
    this.#analysis = new VarDeps(store);
  }

  /**
   * The full signature of a task about to run; its basehash equals the one RecipeInfo got at
   * parse time. Every dependency is expanded first (VarDeps.verify), so one that cannot be
   * is reported here, naming the task and the variable, instead of halfway through the task.
   */
  signature(task: string): BaseSignature {
    this.#analysis.verify(task);
    const deps = this.#analysis.taskDeps(task);
    return { ...deps, basehash: basehash(deps) };
  }

  /** basehash(signature(task)) without expanding anything or building the records: the parse-time path. */
  basehash(task: string): string {
    const a = this.#analysis;
    const deps = a.closureNodes(task);
    const parts = [FORMAT, task, a.node(task).value ?? UNSET_MARK, String(deps.length)];
    for (const d of deps) parts.push(d.name, d.value ?? UNSET_MARK);
    return hashParts(parts);
  }
}

/** The full signature of one task of a finalised recipe store. */
export function taskSignature(store: DataStore, task: string): BaseSignature {
  return new RecipeSignatures(store).signature(task);
}

/**
 * The basehash of each task, for RecipeInfo at parse time: recipe-info.ts's TaskSigner. The
 * metadata layer may not import this module, so the composition root passes it in.
 */
export function taskBasehashes(store: DataStore, tasks: readonly string[]): ReadonlyMap<string, string> {
  const sigs = new RecipeSignatures(store);
  return new Map(tasks.map((t) => [t, sigs.basehash(t)]));
}
