/**
 * Runs one task the way BitBake does: `[cleandirs]` emptied, `[dirs]` created (the last is the
 * cwd), a generated `${T}/run.do_X.<pid>` script run by /bin/sh in its own process group with
 * a clean environment, output to `${T}/log.do_X.<pid>` (with `run.do_X`/`log.do_X` links and
 * `${T}/log.task_order`), under fakeroot when the task asks for it.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatError } from '../core/diagnostic.js';
import { TsbakeError } from '../core/errors.js';
import type { EventSink } from '../core/log/events.js';
import { ensureDir, forgetDirs, writeFileAtomic } from '../core/fs.js';
import type { TaskNode } from '../graph/task-graph.js';
import { asText, type DataStore } from '../metadata/datastore.js';
import { pySplit } from '../metadata/pystr.js';
import type { BuiltinContext, TaskBuiltins } from './builtin.js';
import { runPythonTask } from './python-task.js';
import { exportBlock, shellTaskScript } from './shell-task.js';
import type { TaskSpawner } from './task-spawner.js';

export class TaskSetupError extends TsbakeError {
  readonly code = 'E_TASK_SETUP';
}

export interface TaskResult {
  readonly exitCode: number;
  readonly logFile: string;
  readonly cpu: number;
  readonly interrupted: boolean;
}

export interface ExecutorEnvironment {
  /** The datastore of the task's recipe (parsed once per build). */
  store(node: TaskNode): DataStore;
  /** The shell functions `fn` calls, directly. */
  calledFunctions(store: DataStore, fn: string): readonly string[];
  /** The environment every task starts from (BB_ENV_PASSTHROUGH_ADDITIONS and friends). */
  readonly baseEnv: Readonly<Record<string, string>>;
  /** The environment the build's metadata session was opened with (python tasks open one too). */
  readonly sessionEnv: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
  /** The fakeroot command, when the host has one. */
  readonly fakeroot: string | undefined;
  /** The build directory (python tasks open their own metadata session there). */
  readonly buildDir: string;
  /** The python3 interpreter for python tasks. */
  readonly python: string;
  /** Starts task processes (a small fork server, cheaper than forking Node). */
  readonly spawner: TaskSpawner;
  /** Python tasks done in TypeScript, by task name. */
  readonly builtins: TaskBuiltins;
  /** The build's event sink: a builtin's warnings and progress go there. */
  readonly emit: EventSink;
}

const exportsByStore = new WeakMap<DataStore, string>();
const locks = new Map<string, Promise<void>>();

const text = (store: DataStore, name: string): string => asText(store.getVar(name));
const flag = (store: DataStore, task: string, f: string): string => asText(store.getVarFlag(task, f));
const truthy = (v: string): boolean => v !== '' && !['0', 'no', 'n', 'false'].includes(v.toLowerCase());

/** Directories a task may empty: inside TMPDIR (never TMPDIR, TOPDIR or / themselves). */
function checkCleanable(dir: string, store: DataStore, node: TaskNode): void {
  const tmpdir = resolve(text(store, 'TMPDIR') || '/nonexistent');
  const abs = resolve(dir);
  if (!abs.startsWith(`${tmpdir}/`)) {
    throw new TaskSetupError(`${node.id}[cleandirs] names ${dir}, which is outside TMPDIR (${tmpdir})`, { file: node.recipe.file, line: 0 }, 'tasks may only empty directories under TMPDIR');
  }
}

/**
 * Task directories are used as given, so each must be absolute (a relative one would land in
 * whatever directory tsbake was started from), and the task's working directory must lie in
 * TMPDIR, TOPDIR, DL_DIR or a layer.
 */
function checkTaskDirs(dirs: readonly string[], cwd: string, store: DataStore, node: TaskNode): void {
  const where = { file: node.recipe.file, line: 0 };
  for (const dir of [...dirs, cwd]) {
    if (!dir.startsWith('/')) throw new TaskSetupError(`${node.id}: the directory "${dir}" is not an absolute path`, where, 'task directories ([dirs], [cleandirs], T, B, WORKDIR) must be absolute');
  }
  const roots = ['TMPDIR', 'TOPDIR', 'DL_DIR'].map((v) => text(store, v)).concat(pySplit(text(store, 'BBLAYERS'))).filter((r) => r !== '').map((r) => resolve(r));
  const abs = resolve(cwd);
  if (!roots.some((r) => abs === r || abs.startsWith(`${r}/`))) {
    throw new TaskSetupError(`${node.id} would run in ${cwd}, outside TMPDIR, TOPDIR, DL_DIR and the layers`, where, 'set the last [dirs] entry (or B) to a directory of the build');
  }
}

function shellFunctions(store: DataStore, roots: readonly string[], env: ExecutorEnvironment): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (fn: string): void => {
    if (seen.has(fn)) return;
    seen.add(fn);
    for (const callee of env.calledFunctions(store, fn)) visit(callee);
    for (const extra of pySplit(asText(store.getVarFlag(fn, 'vardeps', false)))) {
      if (truthy(asText(store.getVarFlag(extra, 'func', false))) && !truthy(asText(store.getVarFlag(extra, 'python', false)))) visit(extra);
    }
    out.push(fn);
  };
  for (const r of roots) visit(r);
  return out;
}

function relink(target: string, link: string): void {
  try {
    unlinkSync(link);
  } catch {
    // no previous link
  }
  symlinkSync(target, link);
}

async function withLocks<T>(paths: readonly string[], body: () => Promise<T>): Promise<T> {
  const sorted = [...new Set(paths)].sort();
  const releases: Array<() => void> = [];
  for (const p of sorted) {
    while (locks.has(p)) await locks.get(p);
    let release: () => void = () => undefined;
    locks.set(p, new Promise<void>((r) => (release = r)));
    releases.push(() => {
      locks.delete(p);
      release();
    });
  }
  try {
    return await body();
  } finally {
    for (const r of releases.reverse()) r();
  }
}

export async function executeTask(node: TaskNode, env: ExecutorEnvironment, taskhash: string): Promise<TaskResult> {
  const store = env.store(node);
  const task = node.task;
  const t = text(store, 'T');
  if (!t) throw new TaskSetupError(`T is not set for ${node.pn}`, { file: node.recipe.file, line: 0 });
  const dirs = pySplit(flag(store, task, 'dirs'));
  const cwd = dirs[dirs.length - 1] ?? (text(store, 'B') || text(store, 'WORKDIR'));
  checkTaskDirs([t, ...dirs], cwd, store, node);
  // Not remembered: the previous task may have removed its own ${T}.
  mkdirSync(t, { recursive: true });
  for (const dir of pySplit(flag(store, task, 'cleandirs'))) {
    checkCleanable(dir, store, node);
    rmSync(dir, { recursive: true, force: true });
    forgetDirs(dir);
    ensureDir(dir);
  }
  for (const dir of dirs) ensureDir(dir);
  mkdirSync(cwd, { recursive: true });

  const prefuncs = pySplit(flag(store, task, 'prefuncs'));
  const postfuncs = pySplit(flag(store, task, 'postfuncs'));
  let exports = exportsByStore.get(store);
  if (exports === undefined) {
    exports = exportBlock(store);
    exportsByStore.set(store, exports);
  }
  const pid = process.pid;
  const logFile = join(t, `log.${task}.${pid}`);
  relink(`log.${task}.${pid}`, join(t, `log.${task}`));
  appendFileSync(join(t, 'log.task_order'), `${task} (${pid}): log.${task}.${pid}\n`);
  const lockfiles = pySplit(flag(store, task, 'lockfiles'));
  const runFile = join(t, `run.${task}.${pid}`);
  const writeRunFile = (script: string): void => {
    writeFileSync(runFile, script, { mode: 0o775 });
    relink(`run.${task}.${pid}`, join(t, `run.${task}`));
  };
  const python = truthy(asText(store.getVarFlag(task, 'python', false)));
  const builtin = python ? env.builtins.get(task) : undefined;
  if (builtin) {
    writeFileAtomic(logFile, '');
    const log = (line: string): void => appendFileSync(logFile, line.endsWith('\n') ? line : `${line}\n`);
    const warn = (message: string): void => {
      log(`WARNING: ${message}`);
      env.emit({ kind: 'warning', message: `${node.id}: ${message}` });
    };
    const note = (message: string): void => {
      log(`NOTE: ${message}`);
      env.emit({ kind: 'note', message });
    };
    const progress = (percent: number): void => env.emit({ kind: 'task-progress', id: node.id, percent });
    const ctx: BuiltinContext = { store, node, taskhash, cwd, logFile, log, note, warn, progress, signal: env.signal, env: env.baseEnv };
    return withLocks(lockfiles, () => runBuiltin(builtin, ctx));
  }
  if (python) {
    // As BitBake's: the task function as python3 runs it (the worker calls it through bb.build.exec_func).
    writeRunFile(`def ${task}(d):\n${asText(store.getVar(task, false))}\n\n${task}(d)\n`);
    writeFileAtomic(logFile, '');
    return withLocks(lockfiles, async () => {
      const out = await runPythonTask(
        { buildDir: env.buildDir, env: env.baseEnv, sessionEnv: env.sessionEnv, python: env.python, recipeFile: node.recipe.file, variant: node.recipe.variant, task, prefuncs, postfuncs, cwd, logFile },
        env.signal,
      );
      return { exitCode: out.exitCode, logFile, cpu: out.cpu, interrupted: env.signal.aborted };
    });
  }
  const script = shellTaskScript({
    store,
    task,
    functions: shellFunctions(store, [...prefuncs, task, ...postfuncs], env),
    exports,
    cwd,
    umask: flag(store, task, 'umask') || undefined,
    prefuncs,
    postfuncs,
  });
  writeRunFile(script);

  const fakerootState = join(text(store, 'WORKDIR'), 'fakeroot.state');
  const underFakeroot = truthy(flag(store, task, 'fakeroot')) && env.fakeroot !== undefined;
  const [cmd, args] = underFakeroot
    ? [env.fakeroot as string, [...(existsSync(fakerootState) ? ['-i', fakerootState] : []), '-s', fakerootState, '--', '/bin/sh', runFile]]
    : ['/bin/sh', [runFile]];

  return withLocks(lockfiles, async () => {
    const r = await env.spawner.run({ argv: [cmd, ...args], env: env.baseEnv, log: logFile, network: truthy(flag(store, task, 'network')) });
    return { exitCode: r.status, logFile, cpu: r.cpu, interrupted: env.signal.aborted };
  });
}

/** A builtin's failure is the task's: its message goes to the log, whose tail the build prints. */
async function runBuiltin(builtin: (ctx: BuiltinContext) => Promise<void>, ctx: BuiltinContext): Promise<TaskResult> {
  const started = process.cpuUsage();
  let exitCode = 0;
  try {
    await builtin(ctx);
  } catch (e) {
    ctx.log(`ERROR: ${formatError(e)}`);
    exitCode = 1;
  }
  const used = process.cpuUsage(started);
  return { exitCode, logFile: ctx.logFile, cpu: (used.user + used.system) / 1e6, interrupted: ctx.signal.aborted };
}

/** The last `n` lines of a log, for the failure report. */
export function logTail(logFile: string, n = 20): string[] {
  try {
    const lines = readFileSync(logFile, 'utf8').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    return lines.slice(-n);
  } catch {
    return [];
  }
}
