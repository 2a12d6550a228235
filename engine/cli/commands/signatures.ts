/**
 * `tsbake dumpsig RECIPE:do_task` (what goes into a task's signature), `tsbake why
 * RECIPE:do_task` (what changed since it last ran, followed through changed dependencies to
 * the first real change) and `tsbake diffsigs A B` (two siginfo files).
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../../core/errors.js';
import type { TaskNode } from '../../graph/task-graph.js';
import type { TaskId } from '../../graph/task-id.js';
import type { DataStore } from '../../metadata/datastore.js';
import type { MetadataSession } from '../../metadata/session.js';
import { sigdataFile } from '../../run/stamps.js';
import { RecipeSignatures } from '../../../sstate/signature/basehash.js';
import { diffSiginfo, makeSiginfo, readSiginfo, type Siginfo, type SiginfoChange } from '../../../sstate/signature/siginfo.js';
import type { SigValue } from '../../../sstate/signature/vardeps.js';
import { planBuild, type BuildPlan } from '../../run/pipeline.js';
import { loadRecipes } from '../recipes.js';

const quiet = { emit: () => undefined, note: () => undefined };

function splitTarget(spec: string): { target: string; task: string } {
  const i = spec.lastIndexOf(':');
  if (i <= 0) throw new UsageError(`expected RECIPE:do_task, got '${spec}'`);
  const task = spec.slice(i + 1);
  return { target: spec.slice(0, i), task: task.startsWith('do_') ? task : `do_${task}` };
}

interface Context {
  readonly session: MetadataSession;
  readonly plan: BuildPlan;
  readonly stores: Map<string, DataStore>;
}

function storeOf(ctx: Context, node: TaskNode): DataStore {
  let store = ctx.stores.get(node.pn);
  if (!store) {
    const v = ctx.session.parseRecipe(node.recipe.file, node.recipe.variant).find((x) => x.variant === node.recipe.variant);
    if (!v) throw new UsageError(`cannot parse ${node.recipe.file}`);
    store = v.store;
    ctx.stores.set(node.pn, store);
  }
  return store;
}

/** The signature the task has now. */
function currentSiginfo(ctx: Context, node: TaskNode): Siginfo {
  const depHashes: Record<string, string> = {};
  for (const d of node.deps) depHashes[d] = ctx.plan.hashes.get(d) ?? '';
  const taint = ctx.plan.stamps.taint(node.recipe.stamp, node.task);
  return makeSiginfo(new RecipeSignatures(storeOf(ctx, node)).signature(node.task), {
    depHashes,
    fileChecksums: ctx.plan.files.get(node.id) ?? [],
    ...(taint ? { taint } : {}),
  });
}

function open(session: MetadataSession, spec: string): { ctx: Context; node: TaskNode } {
  const { target, task } = splitTarget(spec);
  const plan = planBuild(session, { loadRecipes: (warn) => loadRecipes(session, warn) }, { targets: [target], task }, quiet);
  const id = plan.graph.targets[0];
  const node = id ? plan.graph.byId.get(id) : undefined;
  if (!node) throw new UsageError(`no task ${task} for ${target}`);
  return { ctx: { session, plan, stores: new Map() }, node };
}

const show = (v: SigValue): string => (v === null ? '(unset)' : `"${v}"`);

export function dumpsig(session: MetadataSession, spec: string): string {
  const { ctx, node } = open(session, spec);
  const sig = currentSiginfo(ctx, node);
  let out = `${node.id}\n  basehash ${sig.basehash}\n  taskhash ${sig.taskhash}\n`;
  out += `  code of ${sig.task}:\n${indent(sig.values[sig.task] ?? '')}`;
  out += '  variables and functions:\n';
  for (const name of sig.deps) out += `    ${name} = ${show(sig.values[name] ?? null)}\n`;
  if (Object.keys(sig.depHashes).length) {
    out += '  dependency tasks:\n';
    for (const [dep, h] of Object.entries(sig.depHashes)) out += `    ${dep} ${h}\n`;
  }
  if (sig.fileChecksums.length) {
    out += '  files:\n';
    for (const f of sig.fileChecksums) out += `    ${f.path} ${f.checksum}\n`;
  }
  if (sig.taint) out += `  taint ${sig.taint}\n`;
  return out;
}

const indent = (text: string): string =>
  text
    .split('\n')
    .map((l) => `      ${l}`)
    .join('\n')
    .replace(/\s+$/, '') + '\n';

/** The newest sigdata recorded for the task other than `exclude`. */
function previousSiginfo(stampBase: string, task: string, exclude: string): Siginfo | undefined {
  const dir = dirname(stampBase);
  const prefix = `${basename(stampBase)}.${task}.sigdata.`;
  let best: { path: string; mtime: number } | undefined;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || name === `${prefix}${exclude}` || name.includes('.tmp-')) continue;
    const path = join(dir, name);
    const mtime = statSync(path).mtimeMs;
    if (!best || mtime > best.mtime) best = { path, mtime };
  }
  return best ? readSiginfo(best.path) : undefined;
}

function readIfExists(path: string): Siginfo | undefined {
  try {
    return readSiginfo(path);
  } catch {
    return undefined;
  }
}

/** Where a variable was last assigned, from the -e history of the recipe. */
function whereSet(session: MetadataSession, node: TaskNode, name: string): string {
  const tracked = session.parseRecipe(node.recipe.file, node.recipe.variant).find((v) => v.variant === node.recipe.variant)?.store;
  const base = name.replace(/\[.*$/, '');
  const events = tracked?.history(tracked.activeVariant(base) ?? base) ?? [];
  const last = [...events].reverse().find((e) => e.file !== 'environment');
  return last ? ` (${last.op} at ${last.file}:${last.line})` : '';
}

/** One change in plain words; `where` names the line that set a variable, when known. */
function describe(change: SiginfoChange, task: string, where: (name: string) => string = () => ''): string {
  switch (change.kind) {
    case 'variable-changed':
      return `variable ${change.name} changed from ${show(change.old)} to ${show(change.new)}${where(change.name)}`;
    case 'function-changed':
      return `function ${change.name} changed:\n${lineDiff(change.old ?? '', change.new ?? '')}`;
    case 'variable-added':
      return `${task} now depends on ${change.name} = ${show(change.value)}${change.by.length ? ` (through ${change.by.join(', ')})` : ''}`;
    case 'variable-removed':
      return `${task} no longer depends on ${change.name} (was ${show(change.value)})`;
    case 'dependency-hash-changed':
      return `dependency ${change.task} changed (${change.old} -> ${change.new})`;
    case 'dependency-added':
      return `new dependency ${change.task}`;
    case 'dependency-removed':
      return `dependency ${change.task} was removed`;
    case 'file-checksum-changed':
      return `file ${change.path} changed (${change.old} -> ${change.new})`;
    case 'file-added':
      return `file ${change.path} was added`;
    case 'file-removed':
      return `file ${change.path} was removed`;
    case 'taint-changed':
      return change.new ? 'the task was tainted (-C) to force it to run again' : 'the task is no longer tainted';
    case 'task-renamed':
      return `the task was renamed from ${change.old} to ${change.new}`;
    case 'ignored-vars-changed':
      return `BB_BASEHASH_IGNORE_VARS changed (added ${change.added.join(' ') || 'none'}, removed ${change.removed.join(' ') || 'none'})`;
    default: {
      const never: never = change;
      return String(never);
    }
  }
}

function lineDiff(a: string, b: string): string {
  const old = a.split('\n');
  const now = b.split('\n');
  const gone = old.filter((l) => !now.includes(l)).map((l) => `    - ${l}`);
  const added = now.filter((l) => !old.includes(l)).map((l) => `    + ${l}`);
  return [...gone, ...added].join('\n');
}

export function why(session: MetadataSession, spec: string): string {
  const { ctx, node } = open(session, spec);
  const seen = new Set<TaskId>();
  const explain = (n: TaskNode, previous: Siginfo | undefined, depth: number): string => {
    const pad = '  '.repeat(depth);
    const current = currentSiginfo(ctx, n);
    if (!previous) return `${pad}${n.id}: no earlier signature is recorded (it has not run or been restored here)\n`;
    if (previous.taskhash === current.taskhash) return `${pad}${n.id}: the signature is unchanged (${current.taskhash})\n`;
    let out = `${pad}${n.id} (${previous.taskhash} -> ${current.taskhash}):\n`;
    for (const change of diffSiginfo(previous, current)) {
      out += `${pad}  ${describe(change, n.task, (name) => whereSet(session, n, name)).replace(/\n/g, `\n${pad}  `)}\n`;
      if (change.kind !== 'dependency-hash-changed' || seen.has(change.task as TaskId)) continue;
      seen.add(change.task as TaskId);
      const dep = ctx.plan.graph.byId.get(change.task as TaskId);
      if (dep) out += explain(dep, readIfExists(sigdataFile(dep.recipe.stamp, dep.task, change.old)), depth + 2);
    }
    return out;
  };
  const currentHash = ctx.plan.hashes.get(node.id) ?? '';
  const same = readIfExists(sigdataFile(node.recipe.stamp, node.task, currentHash));
  if (same) return `${node.id}: the signature is unchanged (${currentHash}): it is current\n`;
  return explain(node, previousSiginfo(node.recipe.stamp, node.task, currentHash), 0);
}

export function diffsigs(a: string, b: string): string {
  const sa = readSiginfo(a);
  const sb = readSiginfo(b);
  const changes = diffSiginfo(sa, sb);
  if (changes.length === 0) return `the signatures are the same (${sa.taskhash})\n`;
  return `${sa.task}: ${sa.taskhash} -> ${sb.taskhash}\n${changes.map((c) => `  ${describe(c, sb.task)}`).join('\n')}\n`;
}

