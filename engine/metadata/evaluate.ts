/**
 * Evaluates parsed statements into a datastore with BitBake's semantics: the assignment
 * operators, include/require/include_all, inherit (and inherit_defer), functions, `def`
 * blocks, EXPORT_FUNCTIONS and the task statements. File access goes through a
 * MetadataSource, so this module does no I/O of its own.
 */
import { resolve as resolvePath } from 'node:path';
import { locate, MissingFileError, ParseError, type SourceLocation } from '../core/errors.js';
import type { Assign, FileKind, Method, Statement } from './ast.js';
import { fileKind } from './ast.js';
import { addFragments } from './fragments.js';
import { asText, type DataStore } from './datastore.js';
import { basename, dirname, joinPath, which } from './locate.js';
import { pySplit } from './pystr.js';
import { addTask, delTask } from './tasks.js';
import type { Value } from './value.js';

/** The files a parse may read. Tests give a map; the session reads the disk. */
export interface MetadataSource {
  exists(path: string): boolean;
  isFile(path: string): boolean;
  /** The parsed statements of an existing file (memoised by the implementation). */
  statements(path: string, kind: FileKind, baseConfig: boolean): readonly Statement[];
}

/** Per-store bookkeeping that BitBake keeps in internal variables. */
const DEPENDS = 'parse.depends';
const BASE_DEPENDS = 'parse.baseDepends';
const DEFERRED = 'parse.deferredInherits';

export interface DeferredInherit {
  readonly classes: string;
  readonly where: SourceLocation;
}

/** Every file read or looked for, in order: the parse cache's key and BBINCLUDED. */
export function fileDepends(store: DataStore): readonly string[] {
  return (store.extra.get(DEPENDS) as readonly string[] | undefined) ?? [];
}

/** The configuration's files become the base every recipe's own list adds to. */
export function rebaseDepends(store: DataStore): void {
  store.extra.set(BASE_DEPENDS, fileDepends(store));
  store.extra.set(DEPENDS, []);
}

/** The configuration's files, then the recipe's: every file read or looked for. */
export function allDepends(store: DataStore): string[] {
  const base = (store.extra.get(BASE_DEPENDS) as readonly string[] | undefined) ?? [];
  return [...base, ...fileDepends(store)].map(absolutePath);
}

/** A path that normalising would change: relative, or with `//`, `.` or `..` parts, or a trailing `/`. */
const UNNORMALISED = /\/\/|\/\.\.?(\/|$)|.\/$/;

/** resolve(f), skipping the work for the usual case of a path that is absolute and normal already. */
export function absolutePath(f: string): string {
  return f.startsWith('/') && !UNNORMALISED.test(f) ? f : resolvePath(f);
}

/** BBINCLUDED: allDepends as BitBake shows it. */
export function includedFiles(store: DataStore): string {
  return allDepends(store).join(' ');
}

/**
 * A file outside the metadata that the parse looked for (the fetcher's FILESPATH search for
 * `[file-checksums]`): like an include, it joins the parse cache key, so the recipe is parsed
 * again when the file appears, disappears or changes.
 */
export function noteProbedFile(store: DataStore, path: string): void {
  markDependency(store, path);
}

/** bb.parse.mark_dependency: a file the parse result depends on. */
export function markDependency(store: DataStore, path: string): void {
  const deps = fileDepends(store);
  if (!deps.includes(path)) store.extra.set(DEPENDS, [...deps, path]);
}

export function deferredInherits(store: DataStore): readonly DeferredInherit[] {
  return (store.extra.get(DEFERRED) as readonly DeferredInherit[] | undefined) ?? [];
}

export function setDeferredInherits(store: DataStore, list: readonly DeferredInherit[]): void {
  store.extra.set(DEFERRED, list);
}

const listVar = (store: DataStore, name: string): string[] => {
  const v = store.getVar(name, false);
  return Array.isArray(v) ? [...(v as readonly string[])] : [];
};

export class Evaluator {
  readonly #files: MetadataSource;
  /** The files being evaluated, outermost first, with the line that included each. */
  readonly #active: { readonly file: string; readonly where: SourceLocation | undefined }[] = [];

  constructor(files: MetadataSource) {
    this.#files = files;
  }

  /**
   * Parses and evaluates one file into `store` (BitBake's parse.handle). `include` is false
   * only for the top-level recipe; FILE names the file while its statements run.
   */
  handle(fn: string, store: DataStore, include: boolean, baseConfig = false, where?: SourceLocation): void {
    const kind = fn.endsWith('.bbappend') ? 'recipe' : fileKind(fn);
    if (!kind) throw new ParseError(`not a BitBake file: ${fn}`, where ?? { file: fn, line: 0 });
    const isClass = fn.endsWith('.bbclass');
    if (isClass) {
      const cache = listVar(store, '__inherit_cache');
      if (!cache.includes(fn)) store.setVar('__inherit_cache', [...cache, fn]);
    }
    const oldFile = include ? store.getVar('FILE', false) : undefined;
    const absFn = this.#resolveFile(fn, store, where);
    if (this.#active.some((a) => a.file === absFn)) throw this.#loop(absFn, where);
    this.#active.push({ file: absFn, where });
    try {
      this.#evaluate(absFn, kind, store, include, oldFile, isClass, baseConfig);
    } finally {
      this.#active.pop();
    }
  }

  /** A file that includes itself, directly or through others: an error naming every step. */
  #loop(file: string, where: SourceLocation | undefined): ParseError {
    const steps = [...this.#active.slice(1), { file, where }].map((a) => (a.where ? `  ${a.where.file}:${a.where.line} includes ${a.file}` : `  ${a.file}`));
    return new ParseError(`include loop: ${file} includes itself\n${steps.join('\n')}`, where ?? { file, line: 0 }, 'remove one of these include/require lines');
  }

  #evaluate(absFn: string, kind: NonNullable<ReturnType<typeof fileKind>>, store: DataStore, include: boolean, oldFile: Value | undefined, isClass: boolean, baseConfig: boolean): void {
    const statements = this.#files.statements(absFn, kind, baseConfig);
    if (kind === 'conf') {
      store.setVar('FILE', absFn);
      this.run(statements, absFn, store);
      if (oldFile !== undefined && oldFile !== null && oldFile !== '') store.setVar('FILE', oldFile);
      return;
    }
    if (!isClass && absFn !== oldFile) store.setVar('FILE', absFn);
    this.run(statements, absFn, store);
    if (!isClass && include && oldFile && absFn !== oldFile) store.setVar('FILE', oldFile);
  }

  #resolveFile(fn: string, store: DataStore, where: SourceLocation | undefined): string {
    let path = fn;
    if (!fn.startsWith('/')) {
      const bbpath = asText(store.getVar('BBPATH'));
      const found = which(bbpath, fn, (p) => this.#files.exists(p));
      for (const a of found.attempts) markDependency(store, a);
      if (!found.path) throw new MissingFileError(`file ${fn} not found in ${bbpath}`, where);
      path = found.path;
    } else {
      markDependency(store, fn);
    }
    if (!this.#files.isFile(path)) throw new MissingFileError(`file ${path} not found`, where);
    return path;
  }

  run(statements: readonly Statement[], file: string, store: DataStore): void {
    for (const s of statements) this.#statement(s, file, store);
  }

  #statement(s: Statement, file: string, store: DataStore): void {
    const where = { file, line: s.line };
    switch (s.kind) {
      case 'assign':
        try {
          return assign(s, where, store);
        } catch (e) {
          // An immediate expansion (`:=`) that fails is this line's error.
          throw locate(e, where);
        }
      case 'include':
        return this.#include(file, store.expand(s.what), where, store, s.required);
      case 'include_all': {
        const what = store.expand(s.what);
        for (const dir of asText(store.getVar('BBPATH')).split(':')) this.#include(file, joinPath(dir, what), where, store, false);
        return;
      }
      case 'export':
        return store.setVarFlag(s.name, 'export', 1, { op: 'exported', where });
      case 'unset':
        return s.flag === undefined ? store.delVar(s.name, { where }) : store.delVarFlag(s.name, s.flag, { where });
      case 'method':
        return method(s, where, store);
      case 'def': {
        const text = s.body.join('\n');
        store.env.python.define(store, { name: s.name, text, where: { file, line: s.line - s.body.length } });
        store.setVarFlag(s.name, 'func', 1);
        store.setVarFlag(s.name, 'python', 1);
        store.setVar(s.name, text, { parsing: true, where, op: 'def' });
        store.setVarFlag(s.name, 'filename', file);
        store.setVarFlag(s.name, 'lineno', String(s.line - s.body.length - 1));
        return;
      }
      case 'export_functions':
        return exportFunctions(s.functions, s.className, store, where);
      case 'addtask':
        for (const task of pySplit(s.tasks)) addTask(store, task, s.before, s.after);
        return;
      case 'deltask':
        for (const task of pySplit(store.expand(s.tasks))) delTask(store, task);
        return;
      case 'addhandler': {
        const handlers = listVar(store, '__BBHANDLERS');
        for (const h of s.handlers) {
          handlers.push(h);
          store.setVarFlag(h, 'handler', 1);
        }
        store.setVar('__BBHANDLERS', handlers);
        return;
      }
      case 'inherit':
        if (s.deferred) return inheritDefer(store, s.classes, where);
        return this.inherit(s.classes, where, store, false);
      case 'addpylib':
        return store.env.python.addPyLib(store, store.expand(s.libdir), s.namespace);
      case 'addfragments':
        return addFragments(s, where, store, {
          exists: (p) => this.#files.exists(p),
          include: (p) => this.#include(file, p, where, store, true),
        });
      default: {
        const never: never = s;
        throw new Error(`unreachable statement ${String(never)}`);
      }
    }
  }

  /** include/require of each file named by `names` (already expanded). */
  #include(parentFile: string, names: string, where: SourceLocation, store: DataStore, required: boolean): void {
    const parent = store.expand(parentFile);
    for (const name of pySplit(store.expand(names))) {
      if (name === parent) continue;
      let fn = name;
      if (!name.startsWith('/')) {
        const search = `${dirname(parent)}:${asText(store.getVar('BBPATH'))}`;
        const found = which(search, name, (p) => this.#files.exists(p));
        for (const a of found.attempts) markDependency(store, a);
        if (found.path) fn = found.path;
      }
      try {
        this.handle(fn, store, true, false, where);
      } catch (e) {
        if (!(e instanceof MissingFileError)) throw e;
        if (required) throw new ParseError(`could not include required file ${fn}`, where, 'check the path and BBPATH');
      }
    }
  }

  /** BBHandler.inherit: each class once per file path, searched along BBPATH. */
  inherit(classes: string, where: SourceLocation, store: DataStore, deferred: boolean): void {
    for (const name of pySplit(store.expand(classes))) {
      const defer = pySplit(asText(store.getVar('BB_DEFER_BBCLASSES')));
      if (!deferred && defer.includes(name)) {
        inheritDefer(store, name, where);
        continue;
      }
      const file = this.#findClass(name, store);
      if (!this.#files.exists(file)) throw new ParseError(`could not inherit file ${file}`, where, `no ${name}.bbclass in classes-*/ or classes/ along BBPATH`);
      const cache = listVar(store, '__inherit_cache');
      if (cache.includes(file)) continue;
      store.setVar('__inherit_cache', [...cache, file]);
      this.handle(file, store, true, false, where);
    }
  }

  #findClass(name: string, store: DataStore): string {
    const classType = asText(store.getVar('__bbclasstype', false));
    let file = name;
    for (const dir of [`classes-${classType}`, 'classes']) {
      file = name;
      if (!name.startsWith('/') && !name.endsWith('.bbclass')) file = `${dir}/${name}.bbclass`;
      if (!file.startsWith('/')) {
        const found = which(asText(store.getVar('BBPATH')), file, (p) => this.#files.exists(p));
        for (const a of found.attempts) if (a !== found.path) markDependency(store, a);
        if (found.path) file = found.path;
      }
      if (this.#files.exists(file)) break;
    }
    return file;
  }
}

function inheritDefer(store: DataStore, classes: string, where: SourceLocation): void {
  setDeferredInherits(store, [...deferredInherits(store), { classes, where }]);
}

/** DataNode.eval: one assignment with its operator. */
function assign(s: Assign, where: SourceLocation, store: DataStore): void {
  const key = s.name;
  if (s.exported) store.setVarFlag(key, 'export', 1, { op: 'exported', where });
  const current = (): string => {
    const v = s.flag !== undefined ? store.getVarFlag(key, s.flag, false, { noWeakDefault: true }) : store.getVar(key, false, { noWeakDefault: true, parsing: true });
    return asText(v);
  };
  let value: Value;
  let op: string;
  switch (s.op) {
    case '=':
    case '??=':
      op = 'set';
      value = s.value;
      break;
    case '?=': {
      op = 'set?';
      const v = s.flag !== undefined ? store.getVarFlag(key, s.flag, false, { noWeakDefault: true }) : store.getVar(key, false, { noWeakDefault: true, parsing: true });
      value = v === undefined || v === null ? s.value : v;
      break;
    }
    case ':=':
      op = 'immediate';
      value = store.createCopy().expand(s.value, `${key}[:=]`);
      break;
    case '+=':
      op = 'append';
      value = `${current()} ${s.value}`;
      break;
    case '=+':
      op = 'prepend';
      value = `${s.value} ${current()}`;
      break;
    case '.=':
      op = 'postdot';
      value = current() + s.value;
      break;
    case '=.':
      op = 'predot';
      value = s.value + current();
      break;
    default: {
      const never: never = s.op;
      throw new Error(`unreachable operator ${String(never)}`);
    }
  }
  const info = { where, op: s.op === '??=' ? 'set' : op, detail: s.value, parsing: true };
  if (s.flag !== undefined) {
    store.setVarFlag(key, s.op === '??=' ? `_defaultval_flag_${s.flag}` : s.flag, value, info);
  } else if (s.op === '??=') {
    store.setVarFlag(key, '_defaultval', value, info);
  } else {
    store.setVar(key, value, info);
  }
}

const ANON_NAME_CHARS = /[/.+\-@%&~]/g;

/** MethodNode.eval: shell or python function bodies, and anonymous python. */
function method(s: Method, where: SourceLocation, store: DataStore): void {
  let text = s.body.join('\n');
  let name = s.name;
  let python = s.python;
  if (name === '__anonymous') {
    name = `__anon_${s.line}_${where.file.replace(ANON_NAME_CHARS, '_')}`;
    python = true;
    text = `def ${name}(d):\n${text}`;
    store.env.python.define(store, { name, text, where: { file: where.file, line: s.line - s.body.length } });
    store.setVar('__BBANONFUNCS', [...listVar(store, '__BBANONFUNCS'), name]);
  }
  if (truthyRaw(store.getVar(name, false))) {
    store.delVarFlag(name, 'python');
    store.delVarFlag(name, 'fakeroot');
  }
  if (python) store.setVarFlag(name, 'python', '1');
  if (s.fakeroot) store.setVarFlag(name, 'fakeroot', '1');
  store.setVarFlag(name, 'func', 1);
  store.setVar(name, text, { parsing: true, where, op: 'set' });
  store.setVarFlag(name, 'filename', where.file);
  store.setVarFlag(name, 'lineno', String(s.line - s.body.length));
}

function truthyRaw(v: Value | undefined): boolean {
  if (v === undefined || v === null || v === '' || v === false || v === 0) return false;
  return !(Array.isArray(v) && v.length === 0);
}

const SENTINEL = '    # Export function set\n';

/** EXPORT_FUNCTIONS: `do_x` becomes a stub calling `<class>_do_x`, unless the recipe has one. */
function exportFunctions(functions: readonly string[], className: string, store: DataStore, where: SourceLocation): void {
  for (const func of functions) {
    const called = `${className}_${func}`;
    const base = store.getVar(func, false);
    if (truthyRaw(base) && !asText(base).includes(SENTINEL)) continue;
    if (truthyRaw(base)) {
      store.setVarFlag(func, 'python', null);
      store.setVarFlag(func, 'func', null);
    }
    for (const flag of ['func', 'python']) {
      const v = store.getVarFlag(called, flag, false);
      if (truthyRaw(v)) store.setVarFlag(func, flag, v ?? null);
    }
    for (const flag of ['dirs', 'cleandirs', 'fakeroot']) {
      const v = store.getVarFlag(func, flag, false);
      if (truthyRaw(v)) store.setVarFlag(called, flag, v ?? null);
    }
    store.setVarFlag(func, 'filename', 'autogenerated');
    store.setVarFlag(func, 'lineno', 1);
    if (truthyRaw(store.getVarFlag(called, 'python', false))) {
      store.setVar(func, `${SENTINEL}    bb.build.exec_func('${called}', d)\n`, { parsing: true, where, op: 'EXPORT_FUNCTIONS' });
    } else {
      if (className.includes('-')) {
        throw new ParseError(`the class name ${className} contains a dash and exports the shell function ${called}`, where, 'rename the class: a dash is not allowed in shell function names');
      }
      store.setVar(func, `${SENTINEL}    ${called}\n`, { parsing: true, where, op: 'EXPORT_FUNCTIONS' });
    }
  }
}

export { basename };
