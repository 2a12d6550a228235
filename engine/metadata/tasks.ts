/**
 * addtask / deltask bookkeeping: `__BBTASKS`, `do_X[task]` and the ordered `do_X[deps]`
 * lists, with BitBake's quirks (`before` entries go to the front, duplicates are skipped).
 */
import type { DataStore } from './datastore.js';
import { pySplit } from './pystr.js';

export function ensureTaskPrefix(name: string): string {
  return name.startsWith('do_') ? name : `do_${name}`;
}

function listFlag(store: DataStore, name: string, flag: string): string[] {
  const v = store.getVarFlag(name, flag, false);
  return Array.isArray(v) ? [...(v as readonly string[])] : [];
}

export function taskList(store: DataStore): string[] {
  const v = store.getVar('__BBTASKS', false);
  return Array.isArray(v) ? [...(v as readonly string[])] : [];
}

export function addTask(store: DataStore, name: string, before: string, after: string): void {
  const task = ensureTaskPrefix(name);
  store.setVarFlag(task, 'task', 1);
  const tasks = taskList(store);
  if (!tasks.includes(task)) tasks.push(task);
  store.setVar('__BBTASKS', tasks);
  const deps = listFlag(store, task, 'deps');
  for (const entry of pySplit(after)) {
    const dep = ensureTaskPrefix(entry);
    if (!deps.includes(dep)) deps.push(dep);
  }
  store.setVarFlag(task, 'deps', deps);
  for (const entry of pySplit(before)) {
    const later = ensureTaskPrefix(entry);
    const existing = listFlag(store, later, 'deps');
    if (!existing.includes(task)) store.setVarFlag(later, 'deps', [task, ...existing]);
  }
}

export function delTask(store: DataStore, name: string): void {
  const task = ensureTaskPrefix(name);
  const tasks = taskList(store);
  const i = tasks.indexOf(task);
  if (i >= 0) {
    tasks.splice(i, 1);
    store.delVarFlag(task, 'task');
    store.setVar('__BBTASKS', tasks);
  }
  store.delVarFlag(task, 'deps');
  for (const other of taskList(store)) {
    const deps = listFlag(store, other, 'deps');
    const j = deps.indexOf(task);
    if (j >= 0) {
      deps.splice(j, 1);
      store.setVarFlag(other, 'deps', deps);
    }
  }
}
