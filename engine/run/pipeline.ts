/**
 * The build pipeline that `tsbake TARGET...`, `tsbake image` and `tsbake package-index` share:
 * resolve the targets, build the task graph, hash every task, skip the tasks whose stamps are
 * current, restore what shared state covers and run the rest in parallel. `-g` writes the
 * graph instead.
 */
import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { delimiter, join } from 'node:path';
import { formatError } from '../core/diagnostic.js';
import { UsageError } from '../core/errors.js';
import { interruptSignal } from '../core/interrupt.js';
import { timed } from '../core/timings.js';
import type { EventSink } from '../core/log/events.js';
import { dotVersion } from '../graph/dot.js';
import { writeDotFiles } from '../graph/dot-files.js';
import { expandTargets, worldTargets } from '../graph/world.js';
import { pythonExtraDepends } from '../graph/extra-depends.js';
import { checkMultipleProviders } from '../graph/multi-providers.js';
import { buildTaskData } from '../graph/taskdata.js';
import { buildTaskGraph, splitTarget, type GraphRequest, type TaskGraph, type TaskNode } from '../graph/task-graph.js';
import type { TaskId } from '../graph/task-id.js';
import { asText, type DataStore } from '../metadata/datastore.js';
import type { MetadataSession } from '../metadata/session.js';
import { BuildLock } from './build-lock.js';
import { executeTask, logTail, type ExecutorEnvironment } from './executor.js';
import { TaskJournal } from './journal.js';
import { runGraph, type BuildOutcome, type RunResult } from './scheduler.js';
import { sigdataFile, stampFile, StampIndex } from './stamps.js';
import type { SstateTasks, SstateSettings } from './sstate-tasks.js';
import { TaskSpawner } from './task-spawner.js';
import { makeReplay, readReplay, replayFile, replayReport, stillCurrent, writeReplay, type Reported } from './noop-replay.js';
import PQueue from 'p-queue';
import { RecipeSignatures } from '../../sstate/signature/basehash.js';
import { scanShell } from '../../sstate/signature/shell-scan.js';
import { makeSiginfo, writeSiginfo, type Siginfo } from '../../sstate/signature/siginfo.js';
import { planSetscene, restrictGraph, summaryLine } from '../../sstate/setscene/plan.js';
import { ChecksumMemo, fileChecksums, taskhash, type FileChecksum } from '../../sstate/signature/taskhash.js';
import { configLookup } from '../metadata/config-lookup.js';
import type { ParseSummary } from '../metadata/parse-all.js';
import { virtualFile } from '../metadata/recipe-info.js';
import type { TaskBuiltins } from './builtin.js';

export interface BuildArgs {
  readonly targets: readonly string[];
  /** `-c`: the task to run for each target. */
  readonly task: string | undefined;
  /** `-C`: invalidate this task's stamp for the targets, then run the default task. */
  readonly invalidate: string | undefined;
  readonly force: boolean;
  readonly keepGoing: boolean;
  readonly dryRun: boolean;
  readonly runall: string | undefined;
  readonly runonly: string | undefined;
  readonly graphviz: boolean;
}

export interface BuildIo {
  readonly emit: EventSink;
  readonly note: (message: string) => void;
  readonly signal: AbortSignal;
  readonly env: NodeJS.ProcessEnv;
}

/**
 * What the pipeline gets from its caller: how to load every recipe's info, and the python
 * tasks done in TypeScript (loaded only when a task is about to run: a no-op needs none).
 */
export interface PipelineDeps {
  readonly loadRecipes: (warn: (w: string) => void) => ParseSummary;
  readonly builtins: () => Promise<TaskBuiltins>;
}

const prefixed = (t: string): string => (t.startsWith('do_') ? t : `do_${t}`);
const truthy = (v: string | undefined): boolean => v !== undefined && v !== '' && !['0', 'no', 'n', 'false'].includes(v.toLowerCase());

function findOnPath(cmd: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    const p = join(dir, cmd);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

/** Each task's hash: its basehash, its dependencies' hashes, its files, and any `-C` taint. */
function hashGraph(graph: TaskGraph, stamps: StampIndex, memo: ChecksumMemo): { hashes: Map<TaskId, string>; files: Map<TaskId, FileChecksum[]> } {
  const hashes = new Map<TaskId, string>();
  const files = new Map<TaskId, FileChecksum[]>();
  for (const node of graph.nodes) {
    const deps: Record<string, string> = {};
    for (const d of node.deps) deps[d] = hashes.get(d) ?? '';
    const checksums = node.info.flags['file-checksums'] ? fileChecksums(node.info.flags['file-checksums'], { memo }) : [];
    if (checksums.length) files.set(node.id, checksums);
    // A nostamp task is tainted afresh every build, so whatever follows it runs again too (as BitBake).
    const taint = truthy(node.info.flags.nostamp) ? `nostamp:${randomUUID()}` : stamps.taint(node.recipe.stamp, node.task);
    hashes.set(node.id, taskhash(node.info.basehash, deps, checksums, taint));
  }
  return { hashes, files };
}

/** The targets' task graph with every task's hash: what build, why and dumpsig start from. */
export interface BuildPlan {
  readonly graph: TaskGraph;
  readonly hashes: Map<TaskId, string>;
  readonly files: Map<TaskId, FileChecksum[]>;
  readonly stamps: StampIndex;
  readonly lookup: (name: string) => string | undefined;
  /** The stat stamps of the files hashed for `[file-checksums]`. */
  readonly memo: ChecksumMemo;
}

export function planBuild(session: MetadataSession, deps: Pick<PipelineDeps, 'loadRecipes'>, asked: GraphRequest, io: Pick<BuildIo, 'emit' | 'note'>, invalidate?: string, force = false): BuildPlan {
  const summary = deps.loadRecipes((w) => io.emit({ kind: 'warning', message: w }));
  if (summary.errors.length) {
    for (const e of summary.errors.slice(1)) io.emit({ kind: 'warning', message: formatError(e) });
    throw summary.errors[0];
  }
  const req = { ...asked, targets: expandTargets(summary.recipes, asked.targets, asked.task) };
  const lookup = configLookup(session);
  // calculate_extra_depends sees `world` as the command line asked for it, else without a task filter.
  let world: readonly string[] | undefined;
  const extra = pythonExtraDepends(summary.recipes, () => (world ??= worldTargets(summary.recipes, asked.targets.includes('world') ? asked.task : undefined)));
  const td = timed('graph', () => buildTaskData(summary.recipes, req.targets.map((t) => splitTarget(t, req.task).name), lookup, extra));
  for (const w of td.warnings) io.note(w);
  const graph = timed('graph', () => buildTaskGraph(td, req));
  checkMultipleProviders(graph, (lookup('BB_MULTI_PROVIDER_ALLOWED') ?? '').split(/\s+/).filter(Boolean));
  const stamps = new StampIndex();
  for (const id of graph.targets) {
    const node = graph.byId.get(id);
    if (!node) continue;
    if (invalidate) stamps.taintTask(node.recipe.stamp, prefixed(invalidate));
    if (force && !truthy(node.info.flags.nostamp)) {
      // -f taints the task like BitBake does, so what follows it is rebuilt too (now or later).
      stamps.taintTask(node.recipe.stamp, node.task);
      io.emit({ kind: 'warning', message: `${node.recipe.file}:${node.task} is tainted from a forced run` });
    }
  }
  const memo = new ChecksumMemo();
  const { hashes, files } = timed('hashing', () => hashGraph(graph, stamps, memo));
  return { graph, hashes, files, stamps, lookup, memo };
}

export async function build(session: MetadataSession, deps: PipelineDeps, args: BuildArgs, io: BuildIo): Promise<number> {
  if (args.targets.length === 0) throw new UsageError('nothing to do: name at least one target', undefined, 'for example: tsbake core-minimal');
  const task = prefixed(args.task ?? configLookup(session)('BB_DEFAULT_TASK') ?? 'build');
  const request: GraphRequest = { targets: args.targets, task, ...(args.runall ? { runall: args.runall } : {}), ...(args.runonly ? { runonly: args.runonly } : {}) };
  if (args.graphviz) {
    const { graph } = planBuild(session, deps, request, io);
    const written = await writeDotFiles(session.config.topdir, {
      tasks: graph.nodes.map((n) => ({ id: n.id, pn: n.pn, task: n.task, recipeFile: virtualFile(n.recipe), deps: n.deps, version: dotVersion(n.recipe.pe, n.recipe.pv, n.recipe.pr) })),
    }, { svg: true, signal: io.signal });
    io.note(`PN build list saved to '${written.pnBuildlist ?? 'pn-buildlist'}'`);
    io.note(`Task dependencies saved to '${written.taskDepends}'`);
    if (written.svg) io.note(`Task graph rendered to '${written.svg}'`);
    if (written.svgProblem) io.note(written.svgProblem);
    return 0;
  }
  const summary = deps.loadRecipes((w) => io.emit({ kind: 'warning', message: w }));
  // A plain build of a request whose last build found everything current may replay that report.
  const cacheDir = configLookup(session)('CACHE');
  const replayAt = summary.identity && cacheDir && !args.force && !args.invalidate && !args.dryRun ? replayFile(cacheDir, [session.config.topdir, task, args.runall ?? '', args.runonly ?? '', ...args.targets]) : undefined;
  if (replayAt && summary.identity) {
    const replayed = replayIfCurrent(session, replayAt, summary.identity, io);
    if (replayed !== undefined) return replayed;
  }
  const reported: Reported[] = [];
  const recording: BuildIo = replayAt ? { ...io, emit: (e) => (reported.push({ event: e }), io.emit(e)), note: (m) => (reported.push({ note: m }), io.note(m)) } : io;
  const outcome = await buildPlanned(session, { ...deps, loadRecipes: () => summary }, args, request, recording);
  if (replayAt && summary.identity && outcome.allCurrent && !io.signal.aborted) writeReplay(replayAt, makeReplay(summary.identity, outcome.plan.graph, outcome.plan.hashes, outcome.plan.files, outcome.plan.stamps, outcome.plan.memo, reported));
  return outcome.code;
}

/**
 * The recorded report, replayed, when every task it covered is still current (see
 * noop-replay.ts), under the build lock like any build; else undefined.
 */
function replayIfCurrent(session: MetadataSession, file: string, identity: string, io: BuildIo): number | undefined {
  const replay = timed('replay', () => readReplay(file, identity));
  if (!replay) return undefined;
  const lock = BuildLock.acquire(session.config.topdir);
  try {
    if (new TaskJournal(journalFile(session)).interruptedBefore().length) return undefined;
    if (!timed('stamps', () => stillCurrent(replay, new StampIndex()))) return undefined;
    replayReport(replay, io.emit, io.note);
    const signal = io.signal.aborted ? io.signal.reason : interruptSignal();
    return signal === undefined ? 0 : signal === 'SIGTERM' ? 143 : 130;
  } finally {
    lock.release();
  }
}

const journalFile = (session: MetadataSession): string => join(asText(session.config.store.getVar('TMPDIR')) || join(session.config.topdir, 'tmp'), 'tsbake-running-tasks');

/** The build proper: plan, setscene, run. `allCurrent`: nothing ran, failed or was restored. */
async function buildPlanned(session: MetadataSession, deps: PipelineDeps, args: BuildArgs, request: GraphRequest, io: BuildIo): Promise<{ code: number; plan: BuildPlan; allCurrent: boolean }> {
  const plan = planBuild(session, deps, request, io, args.invalidate, args.force);
  const { hashes, files, stamps, lookup } = plan;
  let graph = plan.graph;
  const forced = new Set<TaskId>(args.force ? graph.targets : []);
  const settled = new Map<TaskId, 'current' | 'noexec' | 'restored' | undefined>();
  const settle = (node: TaskNode): 'current' | 'noexec' | 'restored' | undefined => {
    if (settled.has(node.id)) return settled.get(node.id);
    const current = !truthy(node.info.flags.nostamp) && !forced.has(node.id) && timed('stamps', () => stamps.isCurrent(node.recipe.stamp, node.task, hashes.get(node.id) ?? ''));
    const outcome = current ? 'current' : truthy(node.info.flags.noexec) ? 'noexec' : undefined;
    settled.set(node.id, outcome);
    return outcome;
  };
  // Shared state (archives, zstd, mirrors) loads only for a build that has sstate tasks.
  const sstate = graph.nodes.some((n) => n.recipe.sstate?.tasks[n.task]) ? new (await import('./sstate-tasks.js')).SstateTasks(sstateSettings(lookup), io.emit) : undefined;
  const threads = threadCount(lookup('BB_NUMBER_THREADS'));

  const topdir = session.config.topdir;
  const lock = args.dryRun ? undefined : BuildLock.acquire(topdir);
  const journal = new TaskJournal(journalFile(session));
  try {
    let dropped = 0;
    if (sstate) {
      const restored = await setscene(graph, sstate, { hashes, stamps, settle, threads, io, dryRun: args.dryRun });
      for (const id of restored.done) settled.set(id, 'restored');
      dropped = graph.nodes.length - restored.keep.size;
      graph = restrictGraph(graph, restored.keep);
    }
    const toRun = graph.nodes.filter((n) => settle(n) === undefined || settle(n) === 'noexec').length;
    io.emit({ kind: 'plan', total: graph.nodes.length, current: graph.nodes.length - toRun, toRun });
    if (args.dryRun) {
      const outcome = await runGraph(graph, { threads: 1, keepGoing: true, settle, run: async () => ({ ok: true, cpu: 0 }), completed: () => undefined, emit: io.emit, signal: io.signal });
      return { code: finish(outcome, io, dropped), plan, allCurrent: false };
    }
    const interrupted = journal.interruptedBefore();
    if (interrupted.length) io.note(`${interrupted.length} tasks were interrupted by an earlier run and will run again: ${interrupted.join(' ')}`);
    journal.begin();
    const runner = new TaskRunner(session, await deps.builtins(), io, files, hashes, stamps, sstate);
    const outcome = await runGraph(graph, {
      threads,
      keepGoing: args.keepGoing,
      settle,
      run: (node) => {
        journal.started(node.id, stampFile(node.recipe.stamp, node.task, hashes.get(node.id) ?? ''));
        return runner.run(node);
      },
      completed: (node) => runner.completed(node),
      emit: io.emit,
      signal: io.signal,
    }).finally(() => runner.close());
    journal.end(outcome.interrupted.length > 0);
    const code = finish(outcome, io, dropped);
    // Every task of the whole graph current (shared state may have left some unexamined): the next build can only repeat this one.
    const allCurrent = code === 0 && toRun === 0 && interrupted.length === 0 && [...settled.values()].every((v) => v === 'current') && plan.graph.nodes.every((n) => stamps.isCurrent(n.recipe.stamp, n.task, hashes.get(n.id) ?? ''));
    return { code, plan, allCurrent };
  } finally {
    lock?.release();
  }
}

function sstateSettings(lookup: (name: string) => string | undefined): SstateSettings {
  const level = Number.parseInt(lookup('SSTATE_ZSTD_CLEVEL') ?? '', 10);
  return {
    sstateDir: lookup('SSTATE_DIR') ?? '',
    mirrors: lookup('SSTATE_MIRRORS') ?? '',
    noNetwork: truthy(lookup('BB_NO_NETWORK')) && !truthy(lookup('SSTATE_MIRROR_ALLOW_NETWORK')),
    mtime: Number.parseInt(lookup('SOURCE_DATE_EPOCH') ?? '0', 10) || 0,
    level: Number.isFinite(level) ? level : undefined,
  };
}

/**
 * The setscene pass: look up every sstate task that is not current, restore what the plan
 * needs (a bad object is a warning and a miss, and the plan is made again without it), and
 * report the Sstate summary. Returns the restored tasks and the tasks the build still needs.
 */
async function setscene(
  graph: TaskGraph,
  sstate: SstateTasks,
  ctx: {
    hashes: ReadonlyMap<TaskId, string>;
    stamps: StampIndex;
    settle: (n: TaskNode) => string | undefined;
    threads: number;
    io: BuildIo;
    dryRun: boolean;
  },
): Promise<{ done: Set<TaskId>; keep: ReadonlySet<TaskId> }> {
  const candidates = graph.nodes.filter((n) => sstate.task(n));
  const current = candidates.filter((n) => ctx.settle(n) === 'current');
  const wanted = candidates.filter((n) => ctx.settle(n) !== 'current');
  const where = await sstate.availability(wanted, ctx.hashes, ctx.io.signal);
  const local = wanted.filter((n) => where.get(n.id) === 'local').length;
  const mirrors = wanted.filter((n) => where.get(n.id) === 'mirror').length;
  ctx.io.note(summaryLine({ wanted: wanted.length, local, mirrors, missed: wanted.length - local - mirrors, current: current.length }));
  const done = new Set<TaskId>();
  for (;;) {
    const plan = planSetscene({ graph, isSstate: (n) => sstate.task(n) !== undefined, isCurrent: (n) => ctx.settle(n) === 'current' || done.has(n.id), hasObject: (n) => where.get(n.id) !== undefined });
    const todo = plan.restore.filter((id) => !done.has(id));
    if (ctx.dryRun || todo.length === 0) return { done, keep: plan.keep };
    const queue = new PQueue({ concurrency: Math.max(1, ctx.threads) });
    let failed = false;
    for (const id of todo) {
      const node = graph.byId.get(id);
      if (!node) continue;
      void queue.add(async () => {
        const hash = ctx.hashes.get(id) ?? '';
        if (await sstate.restore(node, hash, sigdataFile(node.recipe.stamp, node.task, hash), ctx.io.signal)) {
          ctx.stamps.write(node.recipe.stamp, node.task, hash);
          done.add(id);
        } else {
          where.delete(id);
          failed = true;
        }
      });
    }
    await queue.onIdle();
    if (!failed || ctx.io.signal.aborted) return { done, keep: plan.keep };
  }
}

export function threadCount(value: string | undefined): number {
  const n = Number.parseInt(value ?? '', 10);
  return Number.isFinite(n) && n > 0 ? n : Math.max(1, availableParallelism());
}

/** `dropped`: tasks shared state made unnecessary; BitBake counts them as not needing to rerun. */
function finish(outcome: BuildOutcome, io: BuildIo, dropped = 0): number {
  io.emit({ kind: 'build-finished', attempted: outcome.attempted + dropped, current: outcome.current + dropped, restored: outcome.restored, failed: outcome.failed, interrupted: outcome.interrupted });
  // A signal can arrive while the main thread is blocked in Python (a recipe parsed for its
  // tasks); the interrupt watch has seen it before the abort handler runs.
  const signal = io.signal.aborted ? io.signal.reason : interruptSignal();
  if (outcome.interrupted.length || signal !== undefined) return signal === 'SIGTERM' ? 143 : 130;
  return outcome.failed.length ? 1 : 0;
}

/** Parses each recipe once per build, runs its tasks, and writes stamps and siginfo. */
class TaskRunner {
  readonly #session: MetadataSession;
  readonly #stores = new Map<string, DataStore>();
  readonly #signatures = new Map<DataStore, RecipeSignatures>();
  readonly #calls = new Map<string, readonly string[]>();
  readonly #env: ExecutorEnvironment;
  readonly #files: ReadonlyMap<TaskId, FileChecksum[]>;
  readonly #hashes: ReadonlyMap<TaskId, string>;
  readonly #stamps: StampIndex;
  readonly #note: (m: string) => void;

  readonly #sstate: SstateTasks | undefined;
  readonly #signal: AbortSignal;

  constructor(session: MetadataSession, builtins: TaskBuiltins, io: BuildIo, files: ReadonlyMap<TaskId, FileChecksum[]>, hashes: ReadonlyMap<TaskId, string>, stamps: StampIndex, sstate: SstateTasks | undefined) {
    this.#sstate = sstate;
    this.#signal = io.signal;
    this.#session = session;
    this.#files = files;
    this.#hashes = hashes;
    this.#stamps = stamps;
    this.#note = io.note;
    const passthrough: Record<string, string> = {};
    for (const name of (io.env['BB_ENV_PASSTHROUGH_ADDITIONS'] ?? '').split(/\s+/)) {
      const v = name ? io.env[name] : undefined;
      if (v !== undefined) passthrough[name] = v;
    }
    this.#env = {
      store: (node) => this.#store(node),
      calledFunctions: (store, fn) => this.#called(store, fn),
      baseEnv: passthrough,
      sessionEnv: Object.fromEntries(Object.entries(io.env).filter((e): e is [string, string] => e[1] !== undefined)),
      signal: io.signal,
      fakeroot: findOnPath('fakeroot', io.env),
      buildDir: session.config.topdir,
      python: io.env['TSBAKE_PYTHON'] ?? 'python3',
      builtins,
      emit: io.emit,
      spawner: new TaskSpawner(io.env['TSBAKE_PYTHON'] ?? 'python3', (message) => io.emit({ kind: 'warning', message })),
    };
  }

  close(): void {
    this.#env.spawner.close();
  }

  #store(node: TaskNode): DataStore {
    let store = this.#stores.get(node.pn);
    if (!store) {
      const v = this.#session.parseRecipe(node.recipe.file, node.recipe.variant).find((x) => x.variant === node.recipe.variant);
      if (!v) throw new UsageError(`cannot parse ${node.recipe.file}`);
      store = v.store;
      this.#stores.set(node.pn, store);
    }
    return store;
  }

  #called(store: DataStore, fn: string): readonly string[] {
    const key = `${asText(store.getVar('PN'))}\0${fn}`;
    let calls = this.#calls.get(key);
    if (!calls) {
      const isShellFunc = (name: string): boolean => truthy(asText(store.getVarFlag(name, 'func', false))) && !truthy(asText(store.getVarFlag(name, 'python', false)));
      calls = scanShell(asText(store.getVar(fn, false))).execs.filter((e) => e !== fn && isShellFunc(e));
      this.#calls.set(key, calls);
    }
    return calls;
  }

  /** Runs the task; then its signature data goes beside its stamp, and an sstate task's outputs into the store. */
  async run(node: TaskNode): Promise<RunResult> {
    const hash = this.#hashes.get(node.id) ?? '';
    const r = await executeTask(node, this.#env, hash);
    if (r.exitCode !== 0 || r.interrupted) return { ok: false, exitCode: r.exitCode, logFile: r.logFile, logTail: logTail(r.logFile), cpu: r.cpu, interrupted: r.interrupted };
    const record = this.#writeSiginfo(node, hash);
    if (this.#sstate?.task(node)) await this.#sstate.store(node, hash, `${JSON.stringify(record)}\n`, this.#signal);
    return { ok: true, cpu: r.cpu };
  }

  /** A task completed (ran, or had nothing to execute): its stamp. */
  completed(node: TaskNode): void {
    if (truthy(node.info.flags.nostamp)) return;
    this.#stamps.write(node.recipe.stamp, node.task, this.#hashes.get(node.id) ?? '');
  }

  #writeSiginfo(node: TaskNode, hash: string): Siginfo {
    const store = this.#store(node);
    let sigs = this.#signatures.get(store);
    if (!sigs) {
      sigs = new RecipeSignatures(store);
      this.#signatures.set(store, sigs);
    }
    const depHashes: Record<string, string> = {};
    for (const d of node.deps) depHashes[d] = this.#hashes.get(d) ?? '';
    const taint = this.#stamps.taint(node.recipe.stamp, node.task);
    const record = makeSiginfo(sigs.signature(node.task), { depHashes, fileChecksums: this.#files.get(node.id) ?? [], ...(taint ? { taint } : {}) });
    // A nostamp task's hash holds a taint drawn afresh for this build, which the record cannot repeat.
    if (record.taskhash !== hash && !truthy(node.info.flags.nostamp)) this.#note(`the signature of ${node.id} changed when its recipe was parsed again (${hash} -> ${record.taskhash}); the metadata is not deterministic`);
    writeSiginfo(sigdataFile(node.recipe.stamp, node.task, hash), record);
    return record;
  }
}
