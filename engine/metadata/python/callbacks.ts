/**
 * The worker's `d.<method>(...)` calls, answered by the DataStore method of the same name.
 * No datastore logic lives here: arguments are checked, passed on, and results turned into
 * JSON. Stores are named by handles that stay valid for one top-level request.
 */
import { PythonError, type SourceLocation } from '../../core/errors.js';
import type { DataStore, ReadOptions, WriteInfo } from '../datastore.js';
import { markDependency } from '../evaluate.js';
import { addTask, delTask } from '../tasks.js';
import type { Value } from '../value.js';
import type { Json } from './protocol.js';

/** Numbers for the stores Python may touch during one top-level request. */
export class StoreHandles {
  #next = 1;
  readonly #byId = new Map<number, DataStore>();
  readonly #ids = new Map<DataStore, number>();

  idOf(store: DataStore): number {
    let id = this.#ids.get(store);
    if (id === undefined) {
      id = this.#next++;
      this.#ids.set(store, id);
      this.#byId.set(id, store);
    }
    return id;
  }

  get(id: number): DataStore {
    const store = this.#byId.get(id);
    if (!store) {
      throw new PythonError(`datastore handle ${id} is no longer valid: a \`d\` was kept beyond the call that received it`, 'RuntimeError');
    }
    return store;
  }

  clear(): void {
    this.#byId.clear();
    this.#ids.clear();
  }
}

/** Checked access to a callback's positional arguments. */
class Args {
  constructor(
    readonly op: string,
    readonly list: readonly Json[],
  ) {}

  #bad(i: number, what: string): never {
    throw new TypeError(`d.${this.op}: argument ${i + 1} must be ${what}`);
  }

  str(i: number): string {
    const v = this.list[i];
    return typeof v === 'string' ? v : this.#bad(i, 'a str');
  }

  optStr(i: number): string | undefined {
    const v = this.list[i];
    return v === undefined || v === null ? undefined : this.str(i);
  }

  bool(i: number, fallback: boolean): boolean {
    const v = this.list[i];
    return typeof v === 'boolean' ? v : fallback;
  }

  strList(i: number): string[] {
    const v = this.list[i];
    return Array.isArray(v) && v.every((x): x is string => typeof x === 'string') ? v : this.#bad(i, 'a list of str');
  }

  value(i: number): Value {
    const v = this.list[i];
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
    if (Array.isArray(v) && v.every((x): x is string => typeof x === 'string')) return v;
    return this.#bad(i, 'a str, int, bool, None or list of str');
  }

  values(i: number): Record<string, Value> {
    const v = this.list[i];
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return this.#bad(i, 'a dict');
    const out: Record<string, Value> = {};
    for (const [k, x] of Object.entries(v)) out[k] = new Args(this.op, [x]).value(0);
    return out;
  }

  read(from: number): ReadOptions {
    return { noWeakDefault: this.bool(from, false), parsing: this.bool(from + 1, false) };
  }
}

export interface CallContext {
  readonly store: DataStore;
  readonly args: Args;
  readonly info: WriteInfo;
  readonly handles: StoreHandles;
}

const asJson = (v: Value | undefined): Json => (v === undefined ? null : v);

const OPS: Readonly<Record<string, (c: CallContext) => Json>> = {
  getVar: ({ store, args }) => asJson(store.getVar(args.str(0), args.bool(1, true), args.read(2))),
  getVarFlag: ({ store, args }) => asJson(store.getVarFlag(args.str(0), args.str(1), args.bool(2, true), args.read(3))),
  getVarFlags: ({ store, args }) => {
    const flags = store.getVarFlags(args.str(0), args.strList(1), args.bool(2, false));
    return flags ? Object.fromEntries(flags) : null;
  },
  expand: ({ store, args }) => store.expand(args.str(0), args.optStr(1)),
  keys: ({ store }) => store.keys(),
  localkeys: ({ store }) => store.localKeys(),
  createCopy: ({ store, handles }) => handles.idOf(store.createCopy()),
  setVar: ({ store, args, info }) => (store.setVar(args.str(0), args.value(1), { ...info, parsing: args.bool(2, false) }), null),
  setVarFlag: ({ store, args, info }) => (store.setVarFlag(args.str(0), args.str(1), args.value(2), info), null),
  setVarFlags: ({ store, args, info }) => (store.setVarFlags(args.str(0), args.values(1), info), null),
  delVar: ({ store, args, info }) => (store.delVar(args.str(0), info), null),
  delVarFlag: ({ store, args, info }) => (store.delVarFlag(args.str(0), args.str(1), info), null),
  delVarFlags: ({ store, args, info }) => (store.delVarFlags(args.str(0), info), null),
  appendVar: ({ store, args, info }) => (store.appendVar(args.str(0), args.str(1), info), null),
  prependVar: ({ store, args, info }) => (store.prependVar(args.str(0), args.str(1), info), null),
  appendVarFlag: ({ store, args, info }) => (store.appendVarFlag(args.str(0), args.str(1), args.str(2), info), null),
  prependVarFlag: ({ store, args, info }) => (store.prependVarFlag(args.str(0), args.str(1), args.str(2), info), null),
  renameVar: ({ store, args, info }) => (store.renameVar(args.str(0), args.str(1), info), null),
  hasOverrides: ({ store, args }) => store.hasOverrides(args.str(0)),
  addtask: ({ store, args }) => (addTask(store, args.str(0), args.optStr(1) ?? '', args.optStr(2) ?? ''), null),
  deltask: ({ store, args }) => (delTask(store, args.str(0)), null),
  markDependency: ({ store, args }) => (markDependency(store, args.str(0)), null),
  setVarFilter: ({ store, args }) => (store.setVarFilter(args.str(0), args.optStr(1) ?? null), null),
};

/**
 * Runs one `d` call. `where` is the metadata line that made it (history for `-e`), when the
 * worker or the running request knows it.
 */
export function dispatch(store: DataStore, op: string, args: readonly Json[], where: SourceLocation | undefined, handles: StoreHandles): Json {
  const run = Object.hasOwn(OPS, op) ? OPS[op] : undefined;
  if (!run) throw new TypeError(`tsbake's d has no method ${op}`);
  return run({ store, args: new Args(op, args), info: where ? { where } : {}, handles });
}
