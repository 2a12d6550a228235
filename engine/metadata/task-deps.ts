/**
 * `_task_deps`, the summary of a recipe's task flags that BitBake's add_tasks leaves in every
 * finalised recipe (and so in `bitbake -e TARGET` and bitbake-getvar). BitBake stores a Python
 * dict; tsbake shows the same `str()` of it, built from the task list and flags on demand.
 */
import { asText, type DataStore } from './datastore.js';
import { pyRepr } from './inline-python/py-value.js';
import { NotFast } from './inline-python/syntax.js';
import type { Value } from './value.js';

/** The per-task flags add_tasks copies, in its order. */
const COPIED_FLAGS = ['mcdepends', 'depends', 'rdepends', 'deptask', 'rdeptask', 'recrdeptask', 'recideptask', 'nostamp', 'fakeroot', 'noexec', 'umask'] as const;

function reprValue(v: Value): string {
  if (typeof v === 'string') return pyRepr(v);
  if (Array.isArray(v)) return `[${v.map((x: string) => pyRepr(x)).join(', ')}]`;
  return pyRepr(v as string | number | boolean | null);
}

function reprDict(entries: readonly (readonly [string, string])[]): string {
  return `{${entries.map(([k, v]) => `${pyRepr(k)}: ${v}`).join(', ')}}`;
}

/** `str(d.getVar('_task_deps'))` for a finalised recipe, or undefined when it has no tasks. */
export function taskDepsText(store: DataStore): string | undefined {
  const listed = store.getVar('__BBTASKS', false);
  if (!Array.isArray(listed)) return undefined;
  const tasks: string[] = [];
  for (const t of listed as readonly string[]) {
    const task = store.expand(t);
    if (!tasks.includes(task)) tasks.push(task);
  }
  const copied = new Map<string, [string, string][]>(COPIED_FLAGS.map((f) => [f, []]));
  const parents: [string, string][] = [];
  for (const task of tasks) {
    const flags = store.getVarFlags(task);
    for (const flag of COPIED_FLAGS) {
      if (!flags?.has(flag)) continue;
      const raw = flags.get(flag) ?? null;
      copied.get(flag)?.push([task, reprValue(typeof raw === 'string' ? store.expand(raw) : raw)]);
    }
    const deps = flags?.get('deps');
    parents.push([task, reprValue(Array.isArray(deps) ? (deps as readonly string[]).map((d) => store.expand(d)) : [])]);
  }
  return reprDict([
    ['tasks', reprValue(tasks)],
    ['parents', reprDict(parents)],
    ...COPIED_FLAGS.map((f): [string, string] => [f, reprDict(copied.get(f) ?? [])]),
  ]);
}

/**
 * Puts `_task_deps` into a finalised recipe's store, for the commands that show every variable.
 * A flag whose Python repr is not known here (non-ASCII text) leaves it out rather than guess.
 */
export function addTaskDeps(store: DataStore): void {
  if (asText(store.getVar('_task_deps', false)) !== '') return;
  let text: string | undefined;
  try {
    text = taskDepsText(store);
  } catch (e) {
    if (e instanceof NotFast) return;
    throw e;
  }
  if (text !== undefined) store.setVar('_task_deps', text);
}
