/**
 * What a task's basehash covers: the task's function and the closure of the variables,
 * functions and flags it depends on, each with the value that goes into the hash. This is
 * BitBake's bb.data.build_dependencies/generate_dependencies, decided as follows:
 *
 * - A shell function depends on the `${}` references of its body, on what its inline python
 *   reads and calls, on the shell functions it runs (shell-scan.ts), and on every exported
 *   variable (they are in its run script).
 * - A python function depends on what it reads by literal name and on the functions it calls
 *   (python-scan.ts). Python bodies are never expanded, in BitBake either.
 * - A plain variable depends on the `${}` references of its value and on what its inline
 *   python reads and calls.
 * - A function's `[prefuncs]`, `[postfuncs]` and `[exports]` are dependencies.
 * - `[vardeps]` adds names, `[vardepsexclude]` removes them; `[vardepvalue]` replaces the value
 *   and stops the analysis of the value (its own references no longer count);
 *   `[vardepvalueexclude]` strings (`|`-separated) are cut out of the value. These flags are
 *   expanded, as BitBake expands them.
 * - Task flags count exactly as in BitBake: only when `BB_SIGNATURE_EXCLUDE_FLAGS` is set,
 *   each flag of each dependency that is not listed there becomes a dependency `NAME[flag]`
 *   (OE-core's list keeps `umask`, `fakeroot` and `network` in, and `dirs`/`cleandirs` out).
 *   Without that variable no flag counts.
 * - Names in `BB_BASEHASH_IGNORE_VARS` are dropped from every dependency list, so they are
 *   neither hashed nor followed. A name nothing defines is a dependency with value `null`.
 * - A value is the unexpanded text after override, :append and :prepend resolution, so build
 *   paths (TOPDIR, TMPDIR, ... which are ignored) never reach a hash. Each `:remove` that
 *   applies adds a line `_remove of <text>`, as in BitBake.
 *
 * The analysis is static, like BitBake's codeparser for python: references are read from the
 * unexpanded text instead of being collected by expanding it (expanding every dependency of
 * every task made a cold parse of 1000 recipes 75% slower). The results differ only where
 * expansion creates a reference: a command name that appears once a variable is expanded
 * (`${MAKE} ...`; BitBake's shell parser sees the expanded body) is not followed, and an
 * inline python that reads a variable whose name it computes is not either (neither in
 * BitBake). An expansion error in a dependency is reported by `verify` when the task is
 * about to run, naming the task and the chain to the variable; at parse time nothing is
 * expanded, so a broken variable fails no parse.
 *
 * A VarDeps memoises its analyses (a recipe's ~10 tasks share most variables), so its store
 * must be finalised and not written afterwards. It is an explicit object, not a WeakMap entry
 * keyed by the store: a WeakMap whose values hold their keys makes the GC trace each datastore
 * as an ephemeron, which cost 0.15 s in a cold parse of 1000 recipes.
 */
import { ExpansionError, TsbakeError } from '../../engine/core/errors.js';
import { asText, type DataStore } from '../../engine/metadata/datastore.js';
import { pySplit } from '../../engine/metadata/pystr.js';
import { showValue, type Value } from '../../engine/metadata/value.js';
import { byteCompare, sortByName, sortNames } from './byte-order.js';
import { scanPython, scanValue } from './python-scan.js';
import { scanShell } from './shell-scan.js';

/** A value as hashed: the text, or null for a name that is unset. */
export type SigValue = string | null;

/** One name's own part of the analysis (BitBake's gendeps and lookupcache entries). */
export interface VarNode {
  readonly name: string;
  readonly value: SigValue;
  /** Direct dependencies, in no particular order. */
  readonly deps: readonly string[];
  readonly isFunction: boolean;
}

/** Everything a task's basehash is computed from. Plain JSON. */
export interface TaskDeps {
  readonly task: string;
  /** The closure of the task's dependencies, sorted by byte order, without the task itself. */
  readonly deps: readonly string[];
  /** The hashed value of the task and of each dependency. */
  readonly values: Readonly<Record<string, SigValue>>;
  /** The direct dependencies of the task and of each dependency: why each one is there. */
  readonly gendeps: Readonly<Record<string, readonly string[]>>;
  /** Which of them are functions (the task, shell and python functions). */
  readonly functions: readonly string[];
  /** BB_BASEHASH_IGNORE_VARS, sorted: a change of the list explains hash changes. */
  readonly ignoredVars: readonly string[];
}

/**
 * Two reads the datastore is asked to provide (see the report for issue 4): BitBake's export
 * list and the pending `:remove` strings of a variable. Until it has them, `#exportedVars`
 * asks every key for its flag and `#removals` compares expansions, which is exact but slower.
 * Drop this and the fallbacks once DataStore has both methods.
 */
interface PendingDataStoreReads {
  exportedNames?(): readonly string[];
  pendingRemoves?(name: string): readonly string[];
}

type FunctionKind = 'none' | 'shell' | 'python';

const CHAIN_LINE = '\nThe variable dependency chain for the failure is:';
const FLAG_DEP = /^([^[]*)\[([^\]]*)\]$/;
const NO_FLAGS: ReadonlyMap<string, Value> = new Map();

/** Python truthiness of a stored flag (`[func]`, `[python]`): "0" is true, as in BitBake. */
function truthy(v: Value | undefined): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  return !(Array.isArray(v) && v.length === 0);
}

/** bb.utils.to_boolean, for `[export]`/`[unexport]`. */
function toBoolean(v: Value | undefined): boolean {
  if (typeof v === 'string') return !['', '0', 'n', 'no', 'false'].includes(v.toLowerCase());
  return truthy(v);
}

/**
 * A configuration list variable as a set of words. Every recipe reads the same two lists, so
 * the sets are shared by their unexpanded text instead of being expanded and split for each
 * recipe; text with a reference is expanded every time.
 */
const wordSets = new Map<string, ReadonlySet<string>>();
function wordSet(store: DataStore, name: string): ReadonlySet<string> {
  const raw = asText(store.getVar(name, false));
  if (raw.includes('${')) return new Set(pySplit(asText(store.getVar(name))));
  let set = wordSets.get(raw);
  if (!set) {
    set = new Set(pySplit(raw));
    if (wordSets.size > 64) wordSets.clear();
    wordSets.set(raw, set);
  }
  return set;
}

/** A node with the walk's bookkeeping: its dependencies as nodes, and the last walk that saw it. */
class Node implements VarNode {
  children: readonly Node[] | undefined;
  walk = 0;
  constructor(
    readonly name: string,
    readonly value: SigValue,
    readonly deps: readonly string[],
    readonly isFunction: boolean,
  ) {}
}

const sigValue = (v: Value | undefined): SigValue => (v === undefined || v === null ? null : showValue(v));

export class VarDeps {
  readonly #store: DataStore & PendingDataStoreReads;
  readonly ignoredVars: ReadonlySet<string>;
  /** BB_SIGNATURE_EXCLUDE_FLAGS; undefined when flags do not count at all. */
  readonly #flagsExcluded: ReadonlySet<string> | undefined;
  #exported: readonly string[] | undefined;
  readonly #nodes = new Map<string, Node>();
  #walks = 0;
  readonly #failures = new Map<string, unknown>();
  /** What kind of function each called name is (many bodies call the same few). */
  readonly #kinds = new Map<string, FunctionKind>();

  constructor(store: DataStore) {
    this.#store = store;
    this.ignoredVars = wordSet(store, 'BB_BASEHASH_IGNORE_VARS');
    const excluded = wordSet(store, 'BB_SIGNATURE_EXCLUDE_FLAGS');
    this.#flagsExcluded = excluded.size > 0 ? excluded : undefined;
  }

  /** The analysis of one name (a variable, a function or `NAME[flag]`); throws what analysing it threw. */
  node(name: string): VarNode {
    return this.#node(name);
  }

  #node(name: string): Node {
    // The hot path is one Map lookup: closures and hashes ask for each node many times.
    const known = this.#nodes.get(name);
    if (known) return known;
    if (this.#failures.has(name)) throw this.#failures.get(name);
    let n: Node;
    try {
      n = this.#analyse(name);
    } catch (e) {
      this.#failures.set(name, e);
      throw e;
    }
    this.#nodes.set(name, n);
    return n;
  }

  /** The closure of the task's dependencies, sorted by byte order, without the task itself. */
  closure(task: string): string[] {
    return this.closureNodes(task).map((n) => n.name);
  }

  /**
   * closure() as nodes. A walk follows node objects (each resolves its dependencies to nodes
   * once) and marks them with its number instead of filling a set: a recipe's ~10 walks share
   * most nodes, and this runs for every task of every recipe at parse time.
   */
  closureNodes(task: string): VarNode[] {
    const walk = ++this.#walks;
    const root = this.#nodeFor(task, task);
    root.walk = walk;
    const out: Node[] = [];
    const queue: Node[] = [root];
    while (queue.length > 0) {
      const children = this.#children(queue.pop() ?? root, task);
      for (let i = 0; i < children.length; i++) {
        const c = children[i];
        if (c === undefined || c.walk === walk) continue;
        c.walk = walk;
        out.push(c);
        queue.push(c);
      }
    }
    return sortByName(out);
  }

  #children(n: Node, task: string): readonly Node[] {
    if (n.children === undefined) {
      const c: Node[] = [];
      for (let i = 0; i < n.deps.length; i++) c.push(this.#nodeFor(n.deps[i] ?? '', task));
      n.children = c;
    }
    return n.children;
  }

  /** The task's dependency closure with every value and why each is there. */
  taskDeps(task: string): TaskDeps {
    const deps = this.closure(task);
    const all = [task, ...deps];
    const nodes = all.map((n) => this.node(n));
    return {
      task,
      deps,
      values: Object.fromEntries(all.map((n, i) => [n, nodes[i]?.value ?? null])),
      gendeps: Object.fromEntries(all.map((n, i) => [n, sortNames([...(nodes[i]?.deps ?? [])])])),
      functions: all.filter((_, i) => nodes[i]?.isFunction === true),
      ignoredVars: sortNames([...this.ignoredVars]),
    };
  }

  /**
   * Expands every variable, shell function and flag the task depends on, as running it will,
   * so that a dependency that cannot be expanded is reported before the task starts, with the
   * task and the chain that leads to the variable.
   */
  verify(task: string): void {
    const store = this.#store;
    for (const name of [task, ...this.closure(task)]) {
      const flag = name.endsWith(']') ? FLAG_DEP.exec(name) : null;
      try {
        if (flag) store.getVarFlag(flag[1] ?? '', flag[2] ?? '');
        else if (this.#kind(name) !== 'python') store.getVar(name);
      } catch (e) {
        throw this.#taskError(e, name, task);
      }
    }
  }

  /** node(name), with a failure reported as the task's. */
  #nodeFor(name: string, task: string): Node {
    try {
      return this.#node(name);
    } catch (e) {
      throw this.#taskError(e, name, task);
    }
  }

  /**
   * An error of `name`'s, as the task's: the chain of variables runs from the one that failed
   * through `name` to the task (BitBake's "variable dependency chain").
   */
  #taskError(e: unknown, name: string, task: string): unknown {
    if (!(e instanceof TsbakeError)) return e;
    const inner = e instanceof ExpansionError ? e.chain : [];
    const message = e.message.split(CHAIN_LINE)[0] ?? e.message;
    const err = new ExpansionError(`cannot compute the signature of ${task}: ${message}`, inner[0] ?? name, e.where);
    for (const v of [...inner.slice(1), name, ...this.#pathTo(name, task)]) err.addVariable(v);
    return err;
  }

  /** The names through which the task reaches `name`, nearest first, ending with the task. */
  #pathTo(name: string, task: string): string[] {
    const parent = new Map<string, string>();
    const queue = [task];
    for (let i = 0; i < queue.length && !parent.has(name); i++) {
      const from = queue[i] ?? task;
      for (const d of this.#nodes.get(from)?.deps ?? []) {
        if (d === task || parent.has(d)) continue;
        parent.set(d, from);
        queue.push(d);
      }
    }
    const path: string[] = [];
    for (let p = parent.get(name); p !== undefined; p = parent.get(p)) path.push(p);
    if (path[path.length - 1] !== task && name !== task) path.push(task);
    return path;
  }

  #analyse(name: string): Node {
    const flagDep = name.endsWith(']') ? FLAG_DEP.exec(name) : null;
    if (flagDep) return this.#analyseFlag(name, flagDep[1] ?? '', flagDep[2] ?? '');
    const store = this.#store;
    const flags = store.getVarFlags(name) ?? NO_FLAGS;
    const isFunction = truthy(flags.get('func'));
    const deps = new Set<string>();
    let value: SigValue;
    const fixed = flags.has('vardepvalue') ? this.#expandedFlag(name, flags, 'vardepvalue') : undefined;
    if (fixed !== undefined) {
      value = fixed;
    } else if (isFunction) {
      value = sigValue(store.getVar(name, false));
      if (truthy(flags.get('python'))) this.#pythonDeps(value ?? '', deps);
      else this.#shellDeps(value, deps);
    } else {
      value = this.#plainDeps(name, store.getVar(name, false), deps);
    }
    let exclude: string | undefined;
    for (const [flag, v] of flags) {
      if (this.#flagsExcluded && !this.#flagsExcluded.has(flag)) deps.add(`${name}[${flag}]`);
      switch (flag) {
        case 'prefuncs':
        case 'postfuncs':
        case 'exports':
          // Part of a function's own analysis, which [vardepvalue] replaces (as in BitBake).
          if (isFunction && fixed === undefined) for (const d of pySplit(this.#expandedFlag(name, flags, flag) ?? '')) deps.add(d);
          break;
        case 'vardeps':
          for (const d of pySplit(this.#expandedFlag(name, flags, flag) ?? '')) deps.add(d);
          break;
        case 'vardepsexclude':
          exclude = this.#expandedFlag(name, flags, flag);
          break;
        case 'vardepvalueexclude':
          if (value !== null && v !== null) for (const piece of asText(v).split('|')) if (piece) value = value.replaceAll(piece, '');
          break;
        default:
      }
    }
    if (exclude !== undefined) for (const d of pySplit(exclude)) deps.delete(d);
    return new Node(name, value, this.#withoutIgnored(deps), isFunction);
  }

  /** BitBake expands these flags (getVarFlags with an expansion list); they are rarely set. */
  #expandedFlag(name: string, flags: ReadonlyMap<string, Value>, flag: string): string | undefined {
    const v = flags.get(flag);
    return v === undefined || v === null ? undefined : this.#store.expand(asText(v), `${name}[${flag}]`);
  }

  /** `NAME[flag]`: the flag's unexpanded value and its references. */
  #analyseFlag(name: string, variable: string, flag: string): Node {
    if (flag === 'vardepvalueexclude') return new Node(name, '', [], false);
    const raw = this.#store.getVarFlag(variable, flag, false);
    const deps = new Set<string>();
    if (typeof raw === 'string') this.#references(raw, deps);
    return new Node(name, sigValue(raw), this.#withoutIgnored(deps), false);
  }

  #withoutIgnored(deps: ReadonlySet<string>): string[] {
    const out: string[] = [];
    for (const d of deps) if (!this.ignoredVars.has(d)) out.push(d);
    return out;
  }

  #plainDeps(name: string, raw: Value | undefined, deps: Set<string>): SigValue {
    if (typeof raw !== 'string') return sigValue(raw);
    this.#references(raw, deps);
    return raw + this.#removals(name, raw, deps);
  }

  /** `\n_remove of <text>` for each `:remove` that applies (sorted), whose references count too. */
  #removals(name: string, raw: string, deps: Set<string>): string {
    const store = this.#store;
    if (store.pendingRemoves) {
      const removes = [...store.pendingRemoves(name)].sort(byteCompare);
      for (const r of removes) this.#references(r, deps);
      return removes.map((r) => `\n_remove of ${r}`).join('');
    }
    // Fallback: getVar applies :remove to the expanded value only; record the words it took
    // out (text without `${` needs no expansion to compare). A value that cannot be expanded
    // is left to verify(), so that the parse expands nothing it would have to fail on.
    let final: Value | undefined;
    let before: string;
    try {
      final = store.getVar(name);
      before = raw.includes('${') ? store.expand(raw, name) : raw;
    } catch (e) {
      if (e instanceof TsbakeError) return '';
      throw e;
    }
    if (typeof final !== 'string' || final === before) return '';
    const kept = new Set(pySplit(final));
    const removed = [...new Set(pySplit(before))].filter((w) => !kept.has(w));
    return sortNames(removed)
      .map((w) => `\n_remove of ${w}`)
      .join('');
  }

  #shellDeps(body: SigValue, deps: Set<string>): void {
    for (const v of this.#exportedVars()) deps.add(v);
    if (body === null) return;
    this.#references(body, deps);
    for (const cmd of scanShell(body).execs) if (this.#kind(cmd) === 'shell') deps.add(cmd);
  }

  #pythonDeps(body: string, deps: Set<string>): void {
    const scan = scanPython(body);
    for (const r of scan.references) deps.add(r);
    // `bb.build.exec_func` runs shell functions too, so a call may name either kind.
    for (const f of scan.calls) if (this.#kind(f) !== 'none') deps.add(f);
  }

  /** Adds what unexpanded text refers to: its `${}` references and what its inline python reads and calls. */
  #references(raw: string, deps: Set<string>): void {
    const scan = scanValue(raw);
    for (const r of scan.references) deps.add(r);
    for (const f of scan.calls) if (this.#kind(f) !== 'none') deps.add(f);
  }

  /** Whether `name` is a function, and which kind (BitBake's keys exclude `__` names). */
  #kind(name: string): FunctionKind {
    let k = this.#kinds.get(name);
    if (k === undefined) {
      const store = this.#store;
      k = name.startsWith('__') || !truthy(store.getVarFlag(name, 'func', false)) ? 'none' : truthy(store.getVarFlag(name, 'python', false)) ? 'python' : 'shell';
      this.#kinds.set(name, k);
    }
    return k;
  }

  /** Exported variables (BitBake's shelldeps): the run script of every shell function has them. */
  #exportedVars(): readonly string[] {
    if (this.#exported === undefined) {
      const store = this.#store;
      if (store.exportedNames) {
        this.#exported = store.exportedNames();
      } else {
        const names: string[] = [];
        for (const k of store.keys()) {
          if (toBoolean(store.getVarFlag(k, 'export', false)) && !toBoolean(store.getVarFlag(k, 'unexport', false))) names.push(k);
        }
        this.#exported = names;
      }
    }
    return this.#exported;
  }
}
