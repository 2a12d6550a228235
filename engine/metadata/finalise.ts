/**
 * Recipe finalisation (BitBake's ast.finalize): deferred inherits, key expansion, anonymous
 * Python, virtual-provider remapping and task set-up, and BBCLASSEXTEND variants.
 */
import { ParseError, SkipRecipe } from '../core/errors.js';
import { asText, type DataStore } from './datastore.js';
import { deferredInherits, includedFiles, setDeferredInherits, type Evaluator } from './evaluate.js';
import { fireEvent } from './events.js';
import { pySplit } from './pystr.js';
import { taskList } from './tasks.js';

/** Renames every variable whose name contains `${...}`, in sorted order of the old names. */
export function expandKeys(store: DataStore): void {
  const todo = new Map<string, string>();
  for (const key of store.keysWithReferences()) {
    const expanded = store.expand(key);
    if (expanded !== key) todo.set(key, expanded);
  }
  for (const key of [...todo.keys()].sort(byCodePoint)) store.renameVar(key, todo.get(key) ?? key);
}

/**
 * Runs the anonymous functions in the order they were met, each as its own call, so that an
 * error (even the python3 worker dying) names the function's own file and line.
 */
export function runAnonymous(store: DataStore, file: string): void {
  const names = store.getVar('__BBANONFUNCS', false);
  if (!Array.isArray(names) || names.length === 0) return;
  for (const name of names as readonly string[]) {
    const line = Number(asText(store.getVarFlag(name, 'lineno', false)));
    store.env.python.exec(store, `${name}(d)`, { file: asText(store.getVarFlag(name, 'filename', false)) || file, line: Number.isFinite(line) ? line : 0 });
  }
}

export function finalise(file: string, store: DataStore, evaluator: Evaluator): void {
  // A renamed variable written while parsing (here or in the configuration) fails the recipe, as in BitBake.
  const renamed = store.renameError;
  if (renamed) throw new ParseError(renamed.message, renamed.where, renamed.hint);
  fireEvent(store, 'RecipePreDeferredInherits', file, { inherits: deferredInherits(store).map((i) => i.classes) });
  for (;;) {
    const pending = deferredInherits(store);
    const next = pending[0];
    if (!next) break;
    setDeferredInherits(store, pending.slice(1));
    evaluator.inherit(next.classes, next.where, store, true);
  }
  fireEvent(store, 'RecipePreFinalise', file);
  expandKeys(store);
  fireEvent(store, 'RecipePostKeyExpansion', file);
  runAnonymous(store, file);
  const tasks = taskList(store);
  fireEvent(store, 'RecipeTaskPreProcess', file, { tasklist: tasks });
  remapVirtualProviders(tasks, store);
  addTasks(tasks, store);
  store.setVar('BBINCLUDED', includedFiles(store));
  fireEvent(store, 'RecipeParsed', file);
}

/** BB_RECIPE_VIRTUAL_PROVIDERS in DEPENDS and [depends] become their preferred providers. */
function remapVirtualProviders(tasks: readonly string[], store: DataStore): void {
  const virtuals = pySplit(asText(store.getVar('BB_RECIPE_VIRTUAL_PROVIDERS')));
  const provider = (dep: string): string => {
    const p = asText(store.getVar(`PREFERRED_PROVIDER_${dep}`));
    if (!p) throw new ParseError(`recipe virtual provider PREFERRED_PROVIDER_${dep} not set`, undefined);
    return p;
  };
  const depends = pySplit(asText(store.getVar('DEPENDS'))).map((d) => (virtuals.includes(d) ? provider(d) : d));
  store.setVar('DEPENDS', depends.join(' '));
  for (const task of tasks) {
    const remapped = pySplit(asText(store.getVarFlag(task, 'depends'))).map((entry) => {
      const parts = entry.split(':');
      if (parts.length !== 2) throw new ParseError(`${task}[depends] entry '${entry}' is not of the form recipe:task`, undefined);
      const [r = '', t = ''] = parts;
      return `${virtuals.includes(r) ? asText(store.getVar(`PREFERRED_PROVIDER_${r}`)) : r}:${t}`;
    });
    store.setVarFlag(task, 'depends', remapped.join(' '));
  }
}

function addTasks(tasks: readonly string[], store: DataStore): void {
  for (const t of tasks) store.setVarFlag(store.expand(t), 'task', 1);
}

export interface RecipeVariant {
  /** '' for the recipe itself, else the BBCLASSEXTEND name (`native`, `nativesdk`, ...). */
  readonly variant: string;
  readonly store: DataStore;
  /** The SkipRecipe reason, when the recipe asked to be skipped. */
  readonly skipped: string | undefined;
}

/**
 * multi_finalize: applies the bbappends, finalises a copy, then builds and finalises each
 * BBCLASSEXTEND variant from the unfinalised store.
 */
export function finaliseWithVariants(file: string, store: DataStore, evaluator: Evaluator, only?: string): RecipeVariant[] {
  for (const append of pySplit(asText(store.getVar('__BBAPPEND')))) evaluator.handle(append, store, true);
  const safe = store;
  const main = safe.createCopy();
  const results: RecipeVariant[] = [];
  const finish = (variant: string, d: DataStore): void => {
    let skipped: string | undefined;
    try {
      finalise(file, d, evaluator);
      checkRecipeName(file, d);
    } catch (e) {
      if (!(e instanceof SkipRecipe)) throw e;
      skipped = e.message;
      d.setVar('__SKIPPED', skipped);
    }
    results.push({ variant, store: d, skipped });
  };
  finish('', main);
  const extended = asText(main.getVar('BBCLASSEXTEND'));
  if (!extended) return results;
  const pn = asText(main.getVar('PN'));
  safe.setVar('BBCLASSEXTEND', extended);
  for (const ext of pySplit(extended)) {
    if (only !== undefined && only !== ext) continue;
    const [cls = ext, arg] = ext.split(':', 2);
    const d = safe.createCopy();
    if (arg !== undefined) {
      d.setVar('BBEXTENDCURR', cls);
      d.setVar('BBEXTENDVARIANT', arg);
    } else {
      d.setVar('PN', `${pn}-${ext}`);
    }
    setDeferredInherits(d, [...deferredInherits(d), { classes: cls, where: { file, line: 0 } }]);
    finish(ext, d);
  }
  return results;
}

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * PN, PV and PR become directory names (WORKDIR, T, S, B, D, stamps) that task flags such as
 * `[dirs]` list separated by whitespace, as in BitBake: a name with whitespace or a control
 * character would split into other, relative paths, so such a recipe is refused.
 */
function checkRecipeName(file: string, store: DataStore): void {
  for (const name of ['PN', 'PV', 'PR']) {
    const value = asText(store.getVar(name));
    const bad = /[\s\x00-\x1f\x7f/]/.exec(value);
    if (!bad) continue;
    const what = /\s/.test(bad[0]) ? 'whitespace' : bad[0] === '/' ? "a '/'" : 'a control character';
    throw new ParseError(`${name} "${value}" contains ${what}, which cannot be part of the recipe's directories`, { file, line: 0 }, 'rename the recipe file (NAME_VERSION.bb) or set PN/PV/PR without it');
  }
}

/** BBHandler.handle for a top-level recipe: evaluate it, then finalise it and its variants. */
export function parseRecipeFile(file: string, store: DataStore, evaluator: Evaluator, only?: string): RecipeVariant[] {
  try {
    evaluator.handle(file, store, false);
  } catch (e) {
    if (!(e instanceof SkipRecipe)) throw e;
    store.setVar('__SKIPPED', true);
    return [{ variant: '', store, skipped: e.message }];
  }
  return finaliseWithVariants(file, store, evaluator, only);
}
