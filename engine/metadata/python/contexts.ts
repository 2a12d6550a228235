/**
 * Python contexts: which `def`s and pylibs a store's Python code sees.
 *
 * BitBake runs every `def` into one global namespace; each recipe starts from the
 * configuration's. tsbake models that with a context per store family, kept in
 * `store.extra` (which every `createCopy()` copies): the configuration store owns one, and
 * a recipe store that defines something gets a child whose parent is the configuration's.
 * Copies that never define (`:=` evaluation) keep using the context they inherited.
 *
 * Nothing is sent to Python here. `ContextMirror` remembers what the worker already holds
 * and, when Python is actually needed, lists the operations that bring the requested
 * context up to date: a recipe that never needs Python costs nothing.
 */
import type { SourceLocation } from '../../core/errors.js';
import type { DataStore } from '../datastore.js';
import type { PythonFunction } from '../python-bridge.js';
import type { SyncOp } from './protocol.js';

const KEY = 'python.context';
/** Contexts the worker keeps materialised; older ones are dropped and rebuilt on demand. */
const MAX_MATERIALISED = 32;

export type ContextEntry =
  | { readonly kind: 'def'; readonly fn: PythonFunction }
  | { readonly kind: 'pylib'; readonly libdir: string; readonly namespace: string; readonly globalModules: readonly string[]; readonly where?: SourceLocation };

let nextId = 1;

export class PythonContext {
  readonly id = nextId++;
  readonly entries: ContextEntry[] = [];
  /** Set when one of the entries failed in Python: every later use reports it again. */
  broken: Error | undefined;

  constructor(
    readonly owner: DataStore,
    readonly parent: PythonContext | undefined,
  ) {}
}

/** The context `store`'s Python runs in; undefined means the clean context. */
export function contextOf(store: DataStore): PythonContext | undefined {
  const ctx = store.extra.get(KEY);
  return ctx instanceof PythonContext ? ctx : undefined;
}

/** The context `store` may add to: its own, made on first use as a child of the inherited one. */
export function ownContext(store: DataStore): PythonContext {
  const inherited = contextOf(store);
  if (inherited?.owner === store) return inherited;
  const ctx = new PythonContext(store, inherited);
  store.extra.set(KEY, ctx);
  return ctx;
}

/** Rethrows the error of a def or pylib that failed in `ctx` or one of its ancestors. */
export function throwIfBroken(ctx: PythonContext | undefined): void {
  for (let c = ctx; c; c = c.parent) if (c.broken) throw c.broken;
}

interface Materialised {
  applied: number;
  /** How many entries the parent had when this context was copied from it. */
  parentApplied: number;
}

export interface SyncPlan {
  readonly ops: SyncOp[];
  /** For each op, the context and entry it applies (undefined for 'new' and 'drop'). */
  readonly origins: ReadonlyArray<{ readonly ctx: PythonContext; readonly entry: ContextEntry } | undefined>;
  readonly chain: readonly PythonContext[];
}

/** What the worker process holds, and how to bring a context up to date there. */
export class ContextMirror {
  /** Insertion order is recency: the first key is the least recently used. */
  readonly #known = new Map<number, Materialised>();

  plan(ctx: PythonContext | undefined): SyncPlan {
    const chain: PythonContext[] = [];
    for (let c = ctx; c; c = c.parent) chain.unshift(c);
    throwIfBroken(ctx);
    const ops: SyncOp[] = [];
    const origins: ({ ctx: PythonContext; entry: ContextEntry } | undefined)[] = [];
    // Drops go first so that a failing def later in the list cannot leave them unsent.
    this.#evict(chain, ops, origins);
    let parentId = 0;
    let parentLength = 0;
    for (const c of chain) {
      let m = this.#known.get(c.id);
      if (!m || m.parentApplied !== parentLength) {
        ops.push(['new', c.id, parentId]);
        origins.push(undefined);
        m = { applied: 0, parentApplied: parentLength };
      }
      for (let i = m.applied; i < c.entries.length; i++) {
        const entry = c.entries[i];
        if (!entry) continue;
        ops.push(entryOp(c.id, entry));
        origins.push({ ctx: c, entry });
      }
      m.applied = c.entries.length;
      this.#known.delete(c.id);
      this.#known.set(c.id, m);
      parentId = c.id;
      parentLength = c.entries.length;
    }
    return { ops, origins, chain };
  }

  /** After a failed sync the worker's state for the chain is unknown: rebuild it next time. */
  forget(chain: readonly PythonContext[]): void {
    for (const c of chain) this.#known.delete(c.id);
  }

  /** A new worker process holds nothing. */
  reset(): void {
    this.#known.clear();
  }

  #evict(chain: readonly PythonContext[], ops: SyncOp[], origins: unknown[]): void {
    const keep = new Set(chain.map((c) => c.id));
    let excess = this.#known.size + chain.filter((c) => !this.#known.has(c.id)).length - MAX_MATERIALISED;
    for (const id of [...this.#known.keys()]) {
      if (excess <= 0) break;
      if (keep.has(id)) continue;
      this.#known.delete(id);
      ops.push(['drop', id]);
      origins.push(undefined);
      excess--;
    }
  }
}

function entryOp(id: number, entry: ContextEntry): SyncOp {
  switch (entry.kind) {
    case 'def':
      return ['def', id, entry.fn.name, entry.fn.text, entry.fn.where.file, entry.fn.where.line];
    case 'pylib':
      return ['pylib', id, entry.libdir, entry.namespace, entry.globalModules];
    default: {
      const never: never = entry;
      throw new Error(`unreachable: ${String(never)}`);
    }
  }
}
