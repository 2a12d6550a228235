/**
 * The datastore: variables with flags, pending :append/:prepend/:remove operations, override
 * variants and `??=` defaults, read the way BitBake 2.19 reads them. Copies are
 * copy-on-write (a recipe store is a copy of the configuration store). Expansion results are
 * memoised per store and dropped on every write.
 */
import { ExpansionError, ParseError, type SourceLocation } from '../core/errors.js';
import { expandText, type Expansion } from './expand.js';
import type { PythonHost } from './python-bridge.js';
import { chooseVariant, conditionHolds, isOverrideName, overrideActive, parseOpName, variantPairs, type OpKind } from './overrides.js';
import { pySplit, pySplitKeepSeparators } from './pystr.js';
import type { Value } from './value.js';

export const CONTENT = '_content';
const DEFAULT = '_defaultval';
const DEFAULT_FLAG = '_defaultval_flag_';
const OP_KINDS: readonly OpKind[] = ['append', 'prepend', 'remove'];

type OpList = ReadonlyArray<readonly [value: string, condition: string | null]>;
type VariantList = ReadonlyArray<readonly [name: string, override: string]>;

interface VarEntry {
  readonly flags: Map<string, Value>;
  append?: OpList;
  prepend?: OpList;
  remove?: OpList;
}

const isEmpty = (e: VarEntry): boolean => e.flags.size === 0 && !e.append && !e.prepend && !e.remove;
/** A variable's entry as data (a snapshot's, or a VarEntry read only). */
interface EntryData {
  readonly flags: ReadonlyMap<string, Value>;
  readonly append?: OpList;
  readonly prepend?: OpList;
  readonly remove?: OpList;
}

const copyEntry = (e: EntryData): VarEntry => ({
  flags: new Map(e.flags),
  ...(e.append ? { append: e.append } : {}),
  ...(e.prepend ? { prepend: e.prepend } : {}),
  ...(e.remove ? { remove: e.remove } : {}),
});

/** One recorded operation, for `tsbake -e` ("where did this value come from"). */
export interface HistoryEvent {
  readonly op: string;
  readonly file: string;
  readonly line: number;
  readonly detail: string;
  readonly flag?: string;
}

/** Where a write comes from and how `-e` should describe it. */
export interface WriteInfo {
  /** A statement being parsed: `=` keeps pending :append/:prepend/:remove. */
  readonly parsing?: boolean;
  readonly op?: string;
  readonly where?: SourceLocation;
  readonly detail?: string;
}

const DELETED = Symbol('deleted');

/** Old-style `FOO_append` names are refused, as BitBake does. */
const OLD_SYNTAX = /_append|_prepend|_remove/;

/**
 * Variables BitBake renamed or dropped, with the new name (or, with a space, what to say
 * instead); BB_RENAMED_VARIABLES[old] adds more.
 */
const BITBAKE_RENAMED_VARS: ReadonlyMap<string, string> = new Map([
  ['BB_ENV_WHITELIST', 'BB_ENV_PASSTHROUGH'],
  ['BB_ENV_EXTRAWHITE', 'BB_ENV_PASSTHROUGH_ADDITIONS'],
  ['BB_HASHBASE_WHITELIST', 'BB_BASEHASH_IGNORE_VARS'],
  ['BB_HASHCONFIG_WHITELIST', 'BB_HASHCONFIG_IGNORE_VARS'],
  ['BB_HASHTASK_WHITELIST', 'BB_TASKHASH_IGNORE_TASKS'],
  ['BB_SETSCENE_ENFORCE_WHITELIST', 'BB_SETSCENE_ENFORCE_IGNORE_TASKS'],
  ['MULTI_PROVIDER_WHITELIST', 'BB_MULTI_PROVIDER_ALLOWED'],
  ['BB_STAMP_WHITELIST', 'is a deprecated variable and support has been removed'],
  ['BB_STAMP_POLICY', 'is a deprecated variable and support has been removed'],
]);

/** A write to a renamed variable: remembered, and fatal when the configuration or recipe is finalised. */
export interface RenameError {
  readonly message: string;
  readonly where: SourceLocation | undefined;
  readonly hint: string;
}

/** A store's data as plain values (Maps, arrays, strings): what the configuration snapshot saves. */
export interface StoreSnapshot {
  readonly vars: ReadonlyMap<string, EntryData>;
  readonly variants: ReadonlyMap<string, VariantList>;
  readonly references: readonly string[];
  readonly renames: ReadonlyMap<string, string>;
  readonly renameError: RenameError | undefined;
  readonly overrideVars: readonly string[];
  readonly filters: ReadonlyMap<string, string>;
}

/** Settings shared by a store and all its copies. */
export interface StoreEnv {
  readonly python: PythonHost;
  /** Record variable history (`-e`); off for plain parsing because it costs memory. */
  readonly tracking: boolean;
}

export class DataStore {
  readonly env: StoreEnv;
  readonly #parent: DataStore | undefined;
  readonly #vars = new Map<string, VarEntry>();
  readonly #variants = new Map<string, VariantList | typeof DELETED>();
  readonly #history = new Map<string, HistoryEvent[]>();
  /** The names in #vars or #variants that contain `${` (the keys finalisation may rename). */
  readonly #referenceNames = new Set<string>();
  /** Bumped by every write (each one drops the expansion cache): what memoised lists check. */
  #version = 0;
  #exportedMemo: { readonly version: number; readonly inherited: readonly string[] | undefined; readonly names: readonly string[] } | undefined;
  /** Memoised expansions: of values by name, and of flags by flag, then name (no key to build). */
  #cache = new Map<string, Expansion>();
  #flagCache = new Map<string, Map<string, Expansion>>();
  #overrides: string[] | null = null;
  #overridesSet: Set<string> = new Set();
  #inOverride = false;
  /** OVERRIDES and what it references. Shared with copies until one of them adds a name. */
  #overrideVars: Set<string>;
  #ownsOverrideVars: boolean;
  /** d.setVarFilter: a Python expression over `val` applied to the variable's expanded value (shared like #overrideVars). */
  #filters: Map<string, string>;
  #ownsFilters: boolean;
  /** Variables whose expansion is in progress: meeting one again is a reference cycle. */
  readonly #expanding: string[] = [];
  /** Per-store scratch owned by the evaluator (inherit cache, deferred inherits, ...). */
  readonly extra: Map<string, unknown>;
  readonly #renames: Map<string, string>;
  /** The first write to a renamed variable in this store or the one it was copied from. */
  #renameError: RenameError | undefined;

  constructor(env: StoreEnv, parent?: DataStore) {
    this.env = env;
    this.#parent = parent;
    // Shared with every copy, as BitBake shares it.
    this.#renames = parent ? parent.#renames : new Map(BITBAKE_RENAMED_VARS);
    this.#renameError = parent ? parent.#renameError : undefined;
    // Copying these for every recipe store showed in profiles; the first write copies instead.
    this.#overrideVars = parent ? parent.#overrideVars : new Set(['OVERRIDES', 'FILE']);
    this.#filters = parent ? parent.#filters : new Map();
    this.#ownsOverrideVars = this.#ownsFilters = parent === undefined;
    if (parent) parent.#ownsOverrideVars = parent.#ownsFilters = false;
    this.extra = parent ? new Map(parent.extra) : new Map();
  }

  /**
   * This store with everything it was copied from, flattened into plain data (the
   * configuration snapshot). Iteration orders are kept: keys() of the restored store lists
   * names in the order keys() of this one does. History is not kept (`-e` parses afresh).
   */
  snapshot(): StoreSnapshot {
    const vars = new Map<string, VarEntry>();
    const variants = new Map<string, VariantList | null>();
    const references = new Set<string>();
    for (let s: DataStore | undefined = this; s; s = s.#parent) {
      for (const [name, e] of s.#vars) if (!vars.has(name)) vars.set(name, copyEntry(e));
      for (const [name, v] of s.#variants) if (!variants.has(name)) variants.set(name, v === DELETED ? null : v);
      for (const n of s.#referenceNames) references.add(n);
    }
    for (const [name, v] of variants) if (v === null) variants.delete(name);
    return {
      vars,
      variants: variants as Map<string, VariantList>,
      references: [...references],
      renames: new Map(this.#renames),
      renameError: this.#renameError,
      overrideVars: [...this.#overrideVars],
      filters: new Map(this.#filters),
    };
  }

  /** A store holding what `snapshot()` flattened (its `extra` starts empty). */
  static restore(env: StoreEnv, snap: StoreSnapshot): DataStore {
    const store = new DataStore(env);
    for (const [name, e] of snap.vars) store.#vars.set(name, copyEntry(e));
    for (const [name, v] of snap.variants) store.#variants.set(name, v);
    for (const n of snap.references) store.#referenceNames.add(n);
    store.#renames.clear();
    for (const [k, v] of snap.renames) store.#renames.set(k, v);
    store.#renameError = snap.renameError;
    store.#overrideVars = new Set(snap.overrideVars);
    store.#filters = new Map(snap.filters);
    return store;
  }

  /** A copy-on-write child: reads fall through to this store, writes stay in the child. */
  createCopy(): DataStore {
    return new DataStore(this.env, this);
  }

  // ---- lookup -------------------------------------------------------------------------

  #find(name: string): VarEntry | undefined {
    for (let s: DataStore | undefined = this; s; s = s.#parent) {
      const e = s.#vars.get(name);
      if (e) return e;
    }
    return undefined;
  }

  #variantsOf(name: string): VariantList | undefined {
    for (let s: DataStore | undefined = this; s; s = s.#parent) {
      const v = s.#variants.get(name);
      if (v === DELETED) return undefined;
      if (v) return v;
    }
    return undefined;
  }

  #setEntry(name: string, e: VarEntry): void {
    this.#vars.set(name, e);
    if (name.includes('${')) this.#referenceNames.add(name);
  }

  #setVariants(base: string, list: VariantList | typeof DELETED): void {
    this.#variants.set(base, list);
    if (base.includes('${')) this.#referenceNames.add(base);
  }

  /** The entry for `name` in this store, copied from a parent first when needed. */
  #own(name: string): VarEntry {
    let e = this.#vars.get(name);
    if (!e) {
      const inherited = this.#find(name);
      e = inherited ? copyEntry(inherited) : { flags: new Map() };
      this.#setEntry(name, e);
    }
    return e;
  }

  #dropCache(): void {
    this.#version++;
    if (this.#cache.size > 0) this.#cache = new Map();
    if (this.#flagCache.size > 0) this.#flagCache = new Map();
  }

  #cached(name: string, flag: string): Expansion | undefined {
    return flag === CONTENT ? this.#cache.get(name) : this.#flagCache.get(flag)?.get(name);
  }

  #remember(name: string, flag: string, expansion: Expansion): void {
    if (flag === CONTENT) {
      this.#cache.set(name, expansion);
      return;
    }
    let byName = this.#flagCache.get(flag);
    if (!byName) {
      byName = new Map();
      this.#flagCache.set(flag, byName);
    }
    byName.set(name, expansion);
  }

  // ---- history ------------------------------------------------------------------------

  #record(name: string, info: WriteInfo | undefined, op: string, detail: Value | undefined, flag?: string): void {
    if (!this.env.tracking || !info?.where) return;
    let events = this.#history.get(name);
    if (!events) {
      events = [...this.#inheritedHistory(name)];
      this.#history.set(name, events);
    }
    const text = detail === undefined || detail === null ? '' : Array.isArray(detail) ? detail.join(' ') : String(detail);
    events.push({ op, file: info.where.file, line: info.where.line, detail: text, ...(flag !== undefined ? { flag } : {}) });
  }

  #inheritedHistory(name: string): readonly HistoryEvent[] {
    for (let s: DataStore | undefined = this.#parent; s; s = s.#parent) {
      const h = s.#history.get(name);
      if (h) return h;
    }
    return [];
  }

  history(name: string): readonly HistoryEvent[] {
    return this.#history.get(name) ?? this.#inheritedHistory(name);
  }

  /** The override variant that supplies `name` now (`X:o`), if any. */
  activeVariant(name: string): string | undefined {
    const variants = this.#variantsOf(name);
    if (!variants) return undefined;
    this.#needOverrides();
    return chooseVariant(variants, this.#overrides ?? [], this.#overridesSet);
  }

  /** The variants that would supply `name` (for `-e`'s "override[...]" history lines). */
  variantsOf(name: string): VariantList {
    return this.#variantsOf(name) ?? [];
  }

  // ---- overrides ----------------------------------------------------------------------

  /** OVERRIDES as a list, computed lazily and re-read until stable (it may depend on itself). */
  overrides(): readonly string[] {
    this.#needOverrides();
    return this.#overrides ?? [];
  }

  #needOverrides(): void {
    if (this.#overrides !== null || this.#inOverride) return;
    // OVERRIDES is computed afresh (as BitBake does, with an empty override list): the
    // variables being expanded around this read are no cycle for it.
    const outer = this.#expanding.splice(0);
    try {
      this.#computeOverrides();
    } finally {
      this.#expanding.splice(0, this.#expanding.length, ...outer);
    }
  }

  #computeOverrides(): void {
    const seen: string[][] = [];
    for (let count = 0; count < 5; count++) {
      this.#inOverride = true;
      this.#overrides = [];
      this.#overridesSet = new Set();
      try {
        this.#overrides = splitOverrides(this.getVar('OVERRIDES'));
      } finally {
        this.#inOverride = false;
      }
      seen.push(this.#overrides);
      this.#overridesSet = new Set(this.#overrides);
      this.#dropCache();
      const again = splitOverrides(this.getVar('OVERRIDES'));
      if (sameList(again, this.#overrides)) return;
      this.#overrides = again;
      this.#overridesSet = new Set(again);
    }
    throw new ExpansionError(
      `OVERRIDES could not be expanded into a stable state after 5 iterations; overrides are referenced by overridden variables recursively: ${seen.map((s) => s.join(':')).join(' | ')}`,
      'OVERRIDES',
    );
  }

  #registerVariants(name: string): void {
    for (const [base, override] of variantPairs(name)) {
      const list = this.#variantsOf(base) ?? [];
      if (!list.some(([n, o]) => n === name && o === override)) this.#setVariants(base, [...list, [name, override]]);
    }
  }

  #unregisterVariants(name: string): void {
    for (const [base, override] of variantPairs(name)) {
      const list = this.#variantsOf(base);
      if (!list) continue;
      const i = list.findIndex(([n, o]) => n === name && o === override);
      if (i >= 0) this.#setVariants(base, [...list.slice(0, i), ...list.slice(i + 1)]);
    }
  }

  /** OVERRIDES and whatever it references (transitively) reset the cached override list. */
  #trackOverrideVars(name: string, value: Value): void {
    let fresh = new Set(this.expandWithRefs(value, name).references);
    while (![...fresh].every((v) => this.#overrideVars.has(v))) {
      const next = new Set<string>();
      if (!this.#ownsOverrideVars) {
        this.#overrideVars = new Set(this.#overrideVars);
        this.#ownsOverrideVars = true;
      }
      for (const v of fresh) this.#overrideVars.add(v);
      for (const v of fresh) {
        for (const r of this.expandWithRefs(this.getVar(v) ?? null, v).references) next.add(r);
      }
      fresh = next;
    }
    this.#overrides = null;
    this.#dropCache();
  }

  // ---- writes -------------------------------------------------------------------------

  setVar(name: string, value: Value, info?: WriteInfo): void {
    if (!name.startsWith('__anon_') && OLD_SYNTAX.test(name)) {
      throw new ParseError(
        `variable ${name} contains an operation using the old override syntax`,
        info?.where,
        'use the colon syntax: FOO:append, FOO:prepend, FOO:remove',
      );
    }
    const colon = name.indexOf(':');
    this.#checkRename(colon < 0 ? name : name.slice(0, colon), name, info);
    this.#dropCache();
    const target = parseOpName(name);
    if (target) {
      const e = this.#own(target.base);
      e[target.op] = [...(e[target.op] ?? []), [String(value ?? ''), target.condition]];
      this.#record(target.base, info, target.condition ? `:${target.op}[${target.condition}]` : `:${target.op}`, value);
      this.#registerVariants(target.base);
      if (this.#overrideVars.has(target.base)) this.#trackOverrideVars(name, value);
      return;
    }
    const e = this.#own(name);
    if (!info?.parsing) {
      delete e.append;
      delete e.prepend;
      delete e.remove;
      const variants = this.#variantsOf(name);
      if (variants) {
        this.#needOverrides();
        const active = variants.filter(([, o]) => overrideActive(o, this.#overridesSet)).map(([n]) => n);
        for (const v of active) this.delVar(v);
        this.#setVariants(name, DELETED);
      }
    }
    if (name.includes(':')) this.#registerVariants(name);
    this.#own(name).flags.set(CONTENT, value);
    this.#record(name, info, info?.op ?? 'set', info?.detail ?? value);
    if (this.#overrideVars.has(name)) this.#trackOverrideVars(name, value);
  }

  /**
   * As BitBake: writing a renamed variable is an error, reported when the store is finalised,
   * and every such write marks the store with `_FAILPARSINGERRORHANDLED = True`.
   */
  #checkRename(short: string, full: string, info: WriteInfo | undefined): void {
    const renamed = this.#renames.get(short);
    if (renamed === undefined) return;
    if (!this.#renameError) {
      const as = full !== short ? ` (referenced as ${full})` : '';
      const dropped = renamed.includes(' ');
      const message = dropped ? `Variable ${short} ${renamed}${as}` : `Variable ${short} has been renamed to ${renamed}${as}`;
      this.#renameError = { message, where: info?.where, hint: dropped ? `remove ${short}` : `use ${renamed}` };
    }
    this.setVar('_FAILPARSINGERRORHANDLED', true);
  }

  get renameError(): RenameError | undefined {
    return this.#renameError;
  }

  /** The renamed variables that are set or have override variants. */
  renamedInUse(): string[] {
    const isSet = (v: string): boolean => (this.getVar(v) ?? null) !== null;
    return [...this.#renames.keys()].filter((v) => isSet(v) || this.hasOverrides(v));
  }

  delVar(name: string, info?: WriteInfo): void {
    this.#dropCache();
    this.#record(name, info, 'del', '');
    this.#setEntry(name, { flags: new Map() });
    if (this.#variantsOf(name)) this.#setVariants(name, DELETED);
    if (name.includes(':')) this.#unregisterVariants(name);
  }

  setVarFlag(name: string, flag: string, value: Value, info?: WriteInfo): void {
    if (name === 'BB_RENAMED_VARIABLES') this.#renames.set(flag, asText(value));
    this.#checkRename(name, name, info);
    this.#dropCache();
    this.#record(name, info, info?.op ?? 'set', info?.detail ?? value, flag);
    this.#own(name).flags.set(flag, value);
    if (flag === DEFAULT) {
      if (name.includes(':')) this.#registerVariants(name);
      if (this.#overrideVars.has(name)) this.#trackOverrideVars(name, value);
    }
  }

  delVarFlag(name: string, flag: string, info?: WriteInfo): void {
    this.#dropCache();
    const found = this.#find(name);
    if (!found || isEmpty(found)) return;
    const e = this.#own(name);
    if (e.flags.has(flag)) {
      this.#record(name, info, 'delFlag', '', flag);
      e.flags.delete(flag);
      e.flags.delete(DEFAULT_FLAG + flag);
    }
  }

  /** Python's d.appendVar: a pending :append, not a string edit. */
  appendVar(name: string, value: string, info?: WriteInfo): void {
    this.setVar(`${name}:append`, value, { ...info, parsing: true });
  }

  prependVar(name: string, value: string, info?: WriteInfo): void {
    this.setVar(`${name}:prepend`, value, { ...info, parsing: true });
  }

  appendVarFlag(name: string, flag: string, value: string, info?: WriteInfo): void {
    this.setVarFlag(name, flag, asText(this.getVarFlag(name, flag, false)) + value, { ...info, op: 'append' });
  }

  prependVarFlag(name: string, flag: string, value: string, info?: WriteInfo): void {
    this.setVarFlag(name, flag, value + asText(this.getVarFlag(name, flag, false)), { ...info, op: 'prepend' });
  }

  setVarFlags(name: string, flags: Readonly<Record<string, Value>>, info?: WriteInfo): void {
    for (const [flag, value] of Object.entries(flags)) {
      if (flag !== CONTENT) this.setVarFlag(name, flag, value, info);
    }
  }

  delVarFlags(name: string, info?: WriteInfo): void {
    this.#dropCache();
    const e = this.#find(name);
    if (!e) return;
    this.#record(name, info, 'delete flags', '');
    const content = e.flags.get(CONTENT);
    if (e.flags.has(CONTENT)) this.#setEntry(name, { flags: new Map([[CONTENT, content ?? null]]) });
    else this.#setEntry(name, { flags: new Map() });
  }

  /**
   * Renames `key` (key expansion at finalisation): the value and pending operations move,
   * other flags stay behind and are deleted with `key`.
   */
  renameVar(key: string, newKey: string, info?: WriteInfo): void {
    if (key === newKey) return;
    const value = this.getVarFlag(key, CONTENT, false, { parsing: true });
    if (value !== undefined) {
      this.#record(newKey, info, `rename from ${key}`, value);
      this.setVar(newKey, value, { parsing: true });
    }
    const src = this.#find(key);
    if (src) {
      for (const op of OP_KINDS) {
        const moved = src[op];
        if (!moved) continue;
        const dest = this.#own(newKey);
        dest[op] = [...(dest[op] ?? []), ...moved];
      }
    }
    const variants = this.#variantsOf(key);
    if (variants) {
      this.#setVariants(newKey, variants.map(([v, o]) => [v.replaceAll(key, newKey), o] as const));
      for (const [v] of variants) this.renameVar(v, v.replaceAll(key, newKey));
    }
    if (newKey.includes(':') && value === undefined) this.#registerVariants(newKey);
    this.#record(key, info, 'rename (to)', newKey);
    this.delVar(key);
  }

  setVarFilter(name: string, filter: string | null): void {
    if (!this.#ownsFilters) {
      this.#filters = new Map(this.#filters);
      this.#ownsFilters = true;
    }
    if (filter) this.#filters.set(name, filter);
    else this.#filters.delete(name);
    this.#dropCache();
  }

  // ---- reads --------------------------------------------------------------------------

  getVar(name: string, expand = true, opts: ReadOptions = NO_OPTIONS): Value | undefined {
    return this.getVarFlag(name, CONTENT, expand, opts);
  }

  getVarFlag(name: string, flag: string, expand = true, opts: ReadOptions = NO_OPTIONS): Value | undefined {
    const noWeak = opts.noWeakDefault ?? false;
    if (expand && !noWeak) {
      const cached = this.#cached(name, flag);
      if (cached) return cached.value;
    }
    return this.#read(name, flag, expand, noWeak, opts.parsing ?? false, false).value;
  }

  /** The variable's text before expansion together with its (cached) expansion. */
  #read(name: string, flag: string, expand: boolean, noWeak: boolean, parsing: boolean, wantExpansion: boolean): { value: Value | undefined; expansion?: Expansion } {
    const expanding = expand || wantExpansion;
    const cached = noWeak || !expanding ? undefined : this.#cached(name, flag);
    if (cached) return { value: expand ? cached.value : cached.unexpanded, expansion: cached };
    const entry = this.#find(name);
    let value: Value | undefined;
    let removes: Set<string> | undefined;
    const content = flag === CONTENT && !parsing;

    if (content) {
      const variants = this.#variantsOf(name);
      if (variants) {
        this.#needOverrides();
        const winner = chooseVariant(variants, this.#overrides ?? [], this.#overridesSet);
        if (winner !== undefined) {
          const sub = this.#read(winner, CONTENT, false, false, false, true);
          value = sub.value;
          if (sub.expansion?.removes) removes = sub.expansion.removes;
        }
      }
    }
    if (entry && value === undefined) {
      const flags = entry.flags;
      if (flags.has(flag)) value = flags.get(flag);
      else if (!noWeak) {
        if (flag === CONTENT && flags.has(DEFAULT)) value = flags.get(DEFAULT);
        else if (flags.size > 0) {
          const weak = defaultFlagName(flag);
          if (flags.has(weak)) value = flags.get(weak);
        }
      }
    }
    if (content && entry?.append) {
      this.#needOverrides();
      for (const [text, cond] of entry.append) {
        if (conditionHolds(cond, this.#overrides ?? [])) value = asText(value) + text;
      }
    }
    if (content && entry?.prepend) {
      this.#needOverrides();
      for (const [text, cond] of entry.prepend) {
        if (conditionHolds(cond, this.#overrides ?? [])) value = text + asText(value);
      }
    }
    let expansion: Expansion | undefined;
    if (expanding) {
      expansion = this.#expandGuarded(value, flag === CONTENT ? name : `${name}[${flag}]`);
      if (expand) value = expansion.value;
    }
    if (content && isTruthy(value) && entry?.remove) {
      this.#needOverrides();
      for (const [text, cond] of entry.remove) {
        if (conditionHolds(cond, this.#overrides ?? [])) (removes ??= new Set()).add(text);
      }
    }
    if (content && removes !== undefined && removes.size > 0 && isTruthy(value) && expansion) {
      expansion = this.#applyRemoves(expansion, removes);
      if (expand) value = expansion.value;
    }
    const filter = content && expand && this.#filters.size > 0 && isTruthy(value) ? this.#filters.get(name.split(':')[0] ?? name) : undefined;
    if (filter !== undefined && expansion) {
      expansion = { ...expansion, value: this.env.python.filter(this, asText(value), filter) };
      value = expansion.value;
    }
    if (expansion && !noWeak) this.#remember(name, flag, expansion);
    return expansion ? { value, expansion } : { value };
  }

  /** Drops every whole word named by a removal, keeping all separators. */
  #applyRemoves(expansion: Expansion, removes: ReadonlySet<string>): Expansion {
    const words = new Map<string, Set<string>>();
    for (const r of removes) words.set(r, new Set(pySplit(this.expand(r))));
    const applied = new Set<string>();
    const kept: string[] = [];
    for (const piece of pySplitKeepSeparators(String(expansion.value ?? ''))) {
      let skip = false;
      for (const [r, set] of words) {
        if (set.has(piece)) {
          applied.add(r);
          skip = true;
        }
      }
      if (!skip) kept.push(piece);
    }
    return { ...expansion, value: kept.join(''), removes: applied };
  }

  #expandGuarded(value: Value | undefined, cacheName: string): Expansion {
    if (this.#expanding.includes(cacheName)) {
      const cycle = [...this.#expanding.slice(this.#expanding.indexOf(cacheName)), cacheName];
      throw new ExpansionError(
        cycle.length === 2 ? `variable ${cacheName} references itself` : `variable reference cycle: ${cycle.join(' -> ')}`,
        cacheName,
      );
    }
    this.#expanding.push(cacheName);
    try {
      return this.expandWithRefs(value, cacheName);
    } finally {
      this.#expanding.pop();
    }
  }

  /** Expands `${VAR}` and `${@python}` in `value`, collecting the variables it references. */
  expandWithRefs(value: Value | undefined, varname: string | undefined): Expansion {
    return expandText(this, value, varname);
  }

  expand(s: string, varname?: string): string {
    const v = this.expandWithRefs(s, varname).value;
    return typeof v === 'string' ? v : asText(v);
  }

  getVarFlags(name: string, expandFlags: readonly string[] = [], internal = false): Map<string, Value> | undefined {
    const e = this.#find(name);
    if (!e) return undefined;
    const out = new Map<string, Value>();
    for (const [flag, v] of e.flags) {
      let key = flag;
      if (flag.startsWith(DEFAULT_FLAG) && !internal) {
        key = flag.slice(DEFAULT_FLAG.length);
        if (e.flags.has(key)) continue;
      } else if ((flag.startsWith('_') || flag.startsWith(':')) && !internal) {
        continue;
      }
      out.set(key, expandFlags.includes(key) && typeof v === 'string' ? this.expand(v, `${name}[${key}]`) : v);
    }
    return out.size > 0 ? out : undefined;
  }

  /** Every variable that has a value or a flag, plus those an active variant supplies. */
  keys(): string[] {
    this.#needOverrides();
    const fromVariants = new Set<string>();
    for (let s: DataStore | undefined = this; s; s = s.#parent) {
      for (const base of s.#variants.keys()) {
        if (fromVariants.has(base)) continue;
        if (this.#variantsOf(base)?.some(([, o]) => overrideActive(o, this.#overridesSet))) fromVariants.add(base);
      }
    }
    const seen = new Set<string>(fromVariants);
    const out: string[] = [];
    for (let s: DataStore | undefined = this; s; s = s.#parent) {
      for (const [name, e] of s.#vars) {
        if (seen.has(name)) continue;
        seen.add(name);
        if (!isEmpty(e)) out.push(name);
      }
    }
    return [...out, ...fromVariants];
  }

  /**
   * keys() restricted to the names that contain `${` (what finalisation expands), found
   * without walking every variable of the configuration for each recipe.
   */
  keysWithReferences(): string[] {
    this.#needOverrides();
    const candidates = new Set<string>();
    for (let s: DataStore | undefined = this; s; s = s.#parent) for (const n of s.#referenceNames) candidates.add(n);
    const out: string[] = [];
    for (const name of candidates) {
      const fromVariant = this.#variantsOf(name)?.some(([, o]) => overrideActive(o, this.#overridesSet)) ?? false;
      const entry = fromVariant ? undefined : this.#find(name);
      if (fromVariant || (entry && !isEmpty(entry))) out.push(name);
    }
    return out;
  }

  /**
   * Names whose [export] flag is true and [unexport] is not, read straight from the entries:
   * this store's, then those of the stores it was copied from that it does not shadow. The
   * list is memoised per store while neither it nor a store above it is written, so a recipe
   * store does not walk every variable of the configuration.
   */
  exportedNames(): readonly string[] {
    const inherited = this.#parent?.exportedNames();
    const memo = this.#exportedMemo;
    if (memo && memo.version === this.#version && memo.inherited === inherited) return memo.names;
    const names: string[] = [];
    for (const [name, e] of this.#vars) {
      if (flagTrue(e.flags.get('export')) && !flagTrue(e.flags.get('unexport'))) names.push(name);
    }
    for (const name of inherited ?? []) if (!this.#vars.has(name)) names.push(name);
    this.#exportedMemo = { version: this.#version, inherited, names };
    return names;
  }

  /** The unexpanded :remove strings getVar would apply to `name` now (the winning variant's, then its own). */
  pendingRemoves(name: string): string[] {
    this.#needOverrides();
    const overrides = this.#overrides ?? [];
    const variants = this.#variantsOf(name);
    const winner = variants ? chooseVariant(variants, overrides, this.#overridesSet) : undefined;
    const out: string[] = [];
    for (const n of winner === undefined ? [name] : [winner, name]) {
      for (const [text, cond] of this.#find(n)?.remove ?? []) if (conditionHolds(cond, overrides)) out.push(text);
    }
    return out;
  }

  /** Names defined in this store itself (not inherited from the parent). */
  localKeys(): string[] {
    return [...this.#vars.keys()];
  }

  /** True when `name` has at least one override variant registered. */
  hasOverrides(name: string): boolean {
    return this.#variantsOf(name) !== undefined;
  }

  /** Re-assigns every value that mentions `${name}` with the reference replaced (LAYERDIR). */
  expandVarref(name: string): void {
    const ref = '${' + name + '}';
    const replacement = asText(this.getVar(name, false));
    for (const key of this.localKeys()) {
      const current = this.getVar(key, false);
      if (typeof current === 'string' && current.includes(ref)) this.setVar(key, current.replaceAll(ref, replacement));
    }
  }
}

export interface ReadOptions {
  /** Ignore a `??=` default (what +=, .= and ?= look at). */
  readonly noWeakDefault?: boolean;
  /** Read the assigned value only: no variants, no pending operations. */
  readonly parsing?: boolean;
}

const NO_OPTIONS: ReadOptions = Object.freeze({});

/** `_defaultval_flag_<flag>`, where a `??=` default of a flag is kept (names memoised: they are read constantly). */
const defaultFlagNames = new Map<string, string>();
function defaultFlagName(flag: string): string {
  let name = defaultFlagNames.get(flag);
  if (name === undefined) {
    name = DEFAULT_FLAG + flag;
    if (defaultFlagNames.size < 4096) defaultFlagNames.set(flag, name);
  }
  return name;
}

function splitOverrides(value: Value | undefined): string[] {
  return asText(value).split(':');
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function flagTrue(v: Value | undefined): boolean {
  if (typeof v === 'string') return !['', '0', 'n', 'no', 'false'].includes(v.toLowerCase());
  return isTruthy(v);
}

function isTruthy(v: Value | undefined): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  return !(Array.isArray(v) && v.length === 0);
}

/** `value or ""` as text: string concatenation in the datastore treats None as empty. */
export function asText(v: Value | undefined): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return String(v);
  return v.join(' ');
}

export { isOverrideName };
