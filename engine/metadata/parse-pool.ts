/**
 * Parallel recipe parsing on worker threads, with a synchronous interface: loaders and
 * commands are synchronous code, so the main thread blocks in Atomics.wait and reads results
 * with receiveMessageOnPort instead of returning to the event loop.
 *
 * Work is shared through one atomic counter: the main thread and every worker take the next
 * unparsed index until the list runs out, so fast threads take more files and a slow recipe
 * delays nobody else. The main thread parses too: it has its session already, while each
 * worker must first load the code and parse the configuration. Unless told to start them at
 * once, the workers start only when they pay off (`workersPayOff`), checked after every
 * file the main thread parses.
 *
 * A worker that dies without a word (out of memory) cannot be noticed synchronously, so when
 * results stop arriving the main thread parses the missing files itself; a duplicate result
 * is dropped. Parsing has no side effects, so this costs time, never correctness, and the
 * call always returns. Results come back in the order of `files`, whoever parsed them.
 */
import { availableParallelism } from 'node:os';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import * as errors from '../core/errors.js';
import { startInterruptWatch, watchReadyWord } from '../core/interrupt.js';
import { addCount, addTime, timed } from '../core/timings.js';
import { workerScript } from './python/transport.js';
import { TsbakeError } from '../core/errors.js';
import { parseToInfo, type ParsedFile } from './parse-all.js';
import type { MetadataSession } from './session.js';

/**
 * How a worker opens its own session: it imports `module` and calls `exportName(request)`,
 * which must return a MetadataSession. The CLI passes its own session builder, so a worker
 * gets the same python host and environment as the main thread without this module knowing
 * how they are made.
 */
export interface SessionOpener {
  readonly module: string;
  readonly exportName: string;
  /** Structured-cloneable; typically {cwd, env}. */
  readonly request: unknown;
}

export interface PoolOptions {
  readonly opener: SessionOpener;
  /** Parsing threads, the main thread included when it parses (BB_NUMBER_PARSE_THREADS). */
  readonly threads: number;
  /** No result for this long: the main thread parses the missing files itself. */
  readonly stallMs?: number;
  /** Whether the main thread takes files too (default true; tests turn it off to test workers). */
  readonly mainThreadParses?: boolean;
  /**
   * Asked after each file the main thread parses, until it says yes: whether to start the
   * workers now. Absent (or when the main thread does not parse): they start at once.
   */
  readonly startWhen?: (progress: ParseProgress) => boolean;
  readonly onWarning?: (message: string) => void;
}

/** How far the main thread has come, for deciding when to start the workers. */
export interface ParseProgress {
  /** Since the pool started. */
  readonly elapsedMs: number;
  /** Files taken so far, and files not yet taken. */
  readonly taken: number;
  readonly left: number;
  /** Time the main thread spent waiting for python3 since the pool started. */
  readonly pythonMs: number;
}

export type ParseOutcome = { readonly ok: true; readonly parsed: ParsedFile } | { readonly ok: false; readonly error: TsbakeError };

/** An error as it crosses threads: the TsbakeError subclass chain, its fields, or a plain Error. */
export type WireError =
  | { readonly kind: 'tsbake'; readonly classes: readonly string[]; readonly message: string; readonly stack: string | undefined; readonly fields: Record<string, unknown> }
  | { readonly kind: 'internal'; readonly message: string; readonly stack: string | undefined };

/** Worker → main. Each message is followed by a bump of the shared signal word. */
export type WorkerMessage =
  | { readonly type: 'result'; readonly index: number; readonly parsed: ParsedFile }
  | { readonly type: 'error'; readonly index: number; readonly error: WireError }
  | { readonly type: 'done' }
  | { readonly type: 'fatal'; readonly error: WireError };

export interface WorkerInput {
  readonly kind: 'tsbake-parse-worker';
  readonly port: MessagePort;
  readonly files: readonly string[];
  /** [0]: next index to take; [1]: bumped after every message (what Atomics.wait watches). */
  readonly shared: Int32Array;
  readonly opener: SessionOpener;
  /** The interrupt watch's ready word: a worker waits on it before it starts python3. */
  readonly watchReady: Int32Array | undefined;
}

/** BB_NUMBER_PARSE_THREADS, else the number of CPUs. */
export function parseThreads(setting: string | undefined): number {
  const n = Number.parseInt(setting ?? '', 10);
  return Number.isFinite(n) && n > 0 ? n : availableParallelism();
}

/** The main thread has waited this long for python3: workers would have used that CPU. */
const PYTHON_WAIT_MS = 25;
/** With more than two CPUs: the main thread alone would still need this long. */
const LONG_PARSE_MS = 1000;

/**
 * Whether parse workers are worth starting (the default rule, when BB_NUMBER_PARSE_THREADS
 * does not ask for them). Measured on 2 CPUs, cold `tsbake -p` of gen-layer.py layers whose
 * inline Python all runs in TypeScript: the main thread alone takes 0.52 s for 1,000 recipes
 * and 1.04 s for 3,000; with a worker, 0.62 s and 1.18 s, and 45% more CPU. A worker's start
 * (a thread, its own module loading and configuration parse, a cold JIT) and the messages
 * cost more than it parses, since V8's collector threads already use the second CPU. It
 * pays when the main thread waits for python3 (a second thread cut a parse whose inline
 * Python ran in python3 from 1.25 s to 1.02 s), and, on more CPUs, for a long parse.
 */
export function workersPayOff(p: ParseProgress, cpus: number): boolean {
  if (p.pythonMs >= PYTHON_WAIT_MS) return true;
  return cpus > 2 && p.taken > 0 && (p.elapsedMs / p.taken) * p.left >= LONG_PARSE_MS;
}

export function parseInPool(session: MetadataSession, files: readonly string[], opts: PoolOptions): ParseOutcome[] {
  const mainParses = opts.mainThreadParses ?? true;
  const shared = new Int32Array(new SharedArrayBuffer(8));
  const startedAt = performance.now();
  const python = session.config.store.env.python;
  const pythonBefore = python.stats().ms;
  const workers: RunningWorker[] = [];
  const start = (): void => {
    // The workers' python3 processes are this process's children: Ctrl-C must reach them even
    // while this thread waits here (or parses a recipe whose Python never returns). The watch
    // boots alongside the workers; whichever thread first starts python3 waits until it listens.
    startInterruptWatch(workerScript());
    addTime('workers-start', performance.now() - startedAt);
    workers.push(...startWorkers(Math.min(mainParses ? opts.threads - 1 : opts.threads, files.length), files, shared, opts.opener));
  };
  let waiting = mainParses ? opts.startWhen : undefined;
  if (!waiting) start();
  const run = new PoolRun(session, files, workers, startedAt, opts.onWarning);
  try {
    timed('parse-main', () => {
      while (mainParses) {
        run.drain();
        const index = Atomics.add(shared, 0, 1);
        if (index >= files.length) break;
        run.parseHere(index);
        if (waiting?.({ elapsedMs: performance.now() - startedAt, taken: index + 1, left: files.length - index - 1, pythonMs: python.stats().ms - pythonBefore })) {
          waiting = undefined;
          start();
        }
      }
    });
    // The rest is being parsed by workers. Wait for it; once nothing has arrived for stallMs
    // (or no worker is left), the main thread parses whatever is missing, still taking any
    // result that comes in meanwhile.
    const stallMs = opts.stallMs ?? 500;
    let takeover = false;
    timed('parse-wait', () => {
      while (run.left > 0) {
        const seen = Atomics.load(shared, 1);
        if (run.drain() || run.left === 0) continue;
        takeover ||= !workers.some((w) => w.active) || Atomics.wait(shared, 1, seen, stallMs) === 'timed-out';
        if (takeover && !run.drain()) run.parseHere(run.firstMissing());
      }
    });
    addCount('parsed-by-main', run.parsedHere);
  } finally {
    for (const w of workers) {
      w.port.close();
      w.worker.unref();
      // A worker still busy is parsing a duplicate or is stuck; its result is not wanted.
      if (w.active) void w.worker.terminate();
    }
  }
  return run.outcomes();
}

/** The main thread's side of one pool run: results by index, from whichever thread. */
class PoolRun {
  readonly #session: MetadataSession;
  readonly #files: readonly string[];
  /** The pool's list, which fills when the workers start. */
  readonly #workers: readonly RunningWorker[];
  readonly #onWarning: ((message: string) => void) | undefined;
  readonly #outcomes: (ParseOutcome | undefined)[];
  readonly #startedAt: number;
  left: number;
  parsedHere = 0;

  constructor(session: MetadataSession, files: readonly string[], workers: readonly RunningWorker[], startedAt: number, onWarning: ((message: string) => void) | undefined) {
    this.#session = session;
    this.#files = files;
    this.#workers = workers;
    this.#startedAt = startedAt;
    this.#onWarning = onWarning;
    this.#outcomes = new Array<ParseOutcome | undefined>(files.length).fill(undefined);
    this.left = files.length;
  }

  parseHere(index: number): void {
    const file = this.#files[index];
    if (file === undefined || this.#outcomes[index] !== undefined) return;
    this.parsedHere++;
    try {
      this.#record(index, { ok: true, parsed: parseToInfo(this.#session, file) });
    } catch (e) {
      if (!(e instanceof TsbakeError) || e instanceof errors.InterruptedError) throw e;
      this.#record(index, { ok: false, error: e });
    }
  }

  firstMissing(): number {
    return this.#outcomes.findIndex((o) => o === undefined);
  }

  /** Takes every message waiting; true if there was one. A worker's internal error is rethrown. */
  drain(): boolean {
    let progress = false;
    for (const w of this.#workers) {
      for (let m = receiveMessageOnPort(w.port); m !== undefined; m = receiveMessageOnPort(w.port)) {
        progress = true;
        this.#handle(w, m.message as WorkerMessage);
      }
    }
    return progress;
  }

  outcomes(): ParseOutcome[] {
    return this.#outcomes.map((o, i) => o ?? { ok: false, error: new errors.FatalError(`no parse result for ${this.#files[i] ?? i}`) });
  }

  #handle(w: RunningWorker, msg: WorkerMessage): void {
    if (msg.type === 'result' || msg.type === 'error') {
      // TSBAKE_TIMINGS: when each worker's first file came back, and how many files it parsed.
      if (w.results++ === 0) addTime('worker-first-file', performance.now() - this.#startedAt);
      addCount('parsed-by-workers', 1);
    }
    switch (msg.type) {
      case 'result':
        return this.#record(msg.index, { ok: true, parsed: msg.parsed });
      case 'error': {
        const e = reviveError(msg.error);
        if (!(e instanceof TsbakeError)) throw e; // a bug, as in a sequential parse
        return this.#record(msg.index, { ok: false, error: e });
      }
      case 'done':
        w.active = false;
        return;
      case 'fatal':
        w.active = false;
        this.#onWarning?.(`a parse worker stopped (${reviveError(msg.error).message}); continuing without it`);
        return;
      default: {
        const never: never = msg;
        throw new Error(`unreachable: ${String(never)}`);
      }
    }
  }

  #record(index: number, outcome: ParseOutcome): void {
    if (this.#outcomes[index] !== undefined) return; // the main thread also parsed a straggler
    this.#outcomes[index] = outcome;
    this.left--;
  }
}

interface RunningWorker {
  readonly worker: Worker;
  readonly port: MessagePort;
  active: boolean;
  results: number;
}

function startWorkers(count: number, files: readonly string[], shared: Int32Array, opener: SessionOpener): RunningWorker[] {
  const out: RunningWorker[] = [];
  for (let i = 0; i < count; i++) {
    const { port1, port2 } = new MessageChannel();
    const input: WorkerInput = { kind: 'tsbake-parse-worker', port: port2, files, shared, opener, watchReady: watchReadyWord() };
    const worker = new Worker(new URL('./parse-worker.js', import.meta.url), { workerData: input, transferList: [port2] });
    // Failures arrive as messages; an 'error' event only follows a death already handled by
    // the stall fallback, and an unhandled one would crash tsbake.
    worker.on('error', () => {});
    out.push({ worker, port: port1, active: true, results: 0 });
  }
  return out;
}

/** TsbakeError subclasses by name, for reviving errors thrown in a worker. */
const ERROR_CLASSES: ReadonlyMap<string, abstract new (...args: never[]) => TsbakeError> = new Map(
  Object.entries(errors).flatMap(([name, value]) => (typeof value === 'function' && value.prototype instanceof TsbakeError ? [[name, value as abstract new (...args: never[]) => TsbakeError] as const] : [])),
);

export function serialiseError(e: unknown): WireError {
  if (e instanceof TsbakeError) {
    const classes: string[] = [];
    for (let p: unknown = Object.getPrototypeOf(e); p && p !== TsbakeError.prototype; p = Object.getPrototypeOf(p)) {
      const ctor: unknown = (p as { constructor?: unknown }).constructor;
      if (typeof ctor === 'function') classes.push(ctor.name);
    }
    // Own enumerable fields (where, hint, code, chain, pythonType, ...) as plain JSON.
    const fields = JSON.parse(JSON.stringify({ ...e })) as Record<string, unknown>;
    const own = Object.getOwnPropertyDescriptor(e, 'message');
    const message = typeof own?.value === 'string' ? own.value : e.message;
    return { kind: 'tsbake', classes, message, stack: e.stack, fields };
  }
  if (e instanceof Error) return { kind: 'internal', message: e.message, stack: e.stack };
  return { kind: 'internal', message: String(e), stack: undefined };
}

/**
 * The error as the worker threw it: the nearest known TsbakeError subclass (a subclass this
 * module does not know becomes its closest known ancestor) with the same message and fields,
 * so `file:line: error: ...` reads the same as from a sequential parse.
 */
export function reviveError(w: WireError): Error {
  if (w.kind === 'internal') {
    const e = new Error(w.message);
    if (w.stack !== undefined) e.stack = w.stack;
    return e;
  }
  const ctor = w.classes.map((c) => ERROR_CLASSES.get(c)).find((c) => c !== undefined) ?? errors.FatalError;
  const e = Object.create(ctor.prototype as object) as TsbakeError;
  Object.defineProperty(e, 'message', { value: w.message, writable: true, configurable: true, enumerable: false });
  Object.defineProperty(e, 'stack', { value: w.stack, writable: true, configurable: true, enumerable: false });
  Object.assign(e, w.fields);
  return e;
}
