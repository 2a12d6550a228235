/**
 * PythonWorker: the host python3 process that runs the metadata Python the TypeScript fast
 * path cannot (`${@...}`, `def`, anonymous functions, event handlers, addpylib).
 *
 * Calls are synchronous. While Python runs, its `d` calls come back here and are answered
 * by the DataStore; answering may need Python again (a value holding `${@...}`), so both
 * sides serve nested requests while they wait. The process starts on the first call that
 * needs Python and exits when closed, when tsbake exits, or when tsbake dies.
 *
 * Locations: a PythonFunction's `text` (and `exec`'s `code`) starts at `where.line` of
 * `where.file`, so Python's tracebacks and history records name real metadata lines.
 */
import { writeSync } from 'node:fs';
import { FatalError, InterruptedError, PythonError, SkipRecipe, TsbakeError, type SourceLocation } from '../../core/errors.js';
import { doneWaiting, interruptSignal, throwIfInterrupted, timedOut, waitingOn, watchInterrupts } from '../../core/interrupt.js';
import { asText, type DataStore } from '../datastore.js';
import type { PythonOutcome } from '../expand.js';
import type { EventAttributes, EventHandler, PythonAccess, PythonFunction, PythonHost, PythonStats } from '../python-bridge.js';
import { dispatch, StoreHandles } from './callbacks.js';
import { ContextMirror, contextOf, ownContext, throwIfBroken, type SyncPlan } from './contexts.js';
import { isRecord, parseIncoming, ProtocolError, type ErrorPayload, type Incoming, type Json } from './protocol.js';
import { spawnWorker, workerScript, type WorkerProcess } from './transport.js';

export type PythonLogLevel = 'debug' | 'note' | 'plain' | 'warn' | 'error' | 'fatal';
export type PythonLogSink = (level: PythonLogLevel, message: string) => void;

export interface PythonWorkerOptions {
  /** Receives bb.note/warn/error/fatal/plain/debug and print() output. Default: stderr. */
  readonly onLog?: PythonLogSink;
  /** The interpreter to run; default `python3` from PATH. */
  readonly python?: string;
  /** The worker's environment (the CLI passes the BB_ENV_PASSTHROUGH subset); default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Seconds a call may run without any output before the worker is stopped (0: no limit). */
  readonly timeout?: number;
  /** Told the process group of each python3 process started (python tasks stop it on abort). */
  readonly onStart?: (group: number) => void;
}

/** The python3 worker went away (crashed, killed, or never started). */
export class PythonWorkerExited extends PythonError {}

const LOG_LEVELS: readonly PythonLogLevel[] = ['debug', 'note', 'plain', 'warn', 'error', 'fatal'];
const logLevel = (level: string): PythonLogLevel => LOG_LEVELS.find((l) => l === level) ?? 'plain';
const PREFIX: Readonly<Record<PythonLogLevel, string | undefined>> = {
  debug: undefined,
  note: 'NOTE: ',
  plain: '',
  warn: 'WARNING: ',
  error: 'ERROR: ',
  fatal: 'ERROR: ',
};

const stderrSink: PythonLogSink = (level, message) => {
  const prefix = PREFIX[level];
  if (prefix !== undefined) writeSync(2, `${prefix}${message}\n`);
};

/** Workers whose processes are running; closed when tsbake exits, however it exits. */
const running = new Set<PythonWorker>();
let exitHookInstalled = false;

export class PythonWorker implements PythonHost {
  readonly #onLog: PythonLogSink;
  readonly #python: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #timeout: number;
  readonly #onStart: ((group: number) => void) | undefined;
  #proc: WorkerProcess | undefined;
  #pythonPid: number | undefined;
  readonly #mirror = new ContextMirror();
  readonly #handles = new StoreHandles();
  /** tsbake errors thrown inside callbacks, by token, rethrown if they come back unchanged. */
  readonly #thrown = new Map<number, unknown>();
  #nextToken = 1;
  #nextId = 1;
  /** Top-level requests in progress (> 1 while serving nested Python calls). */
  #depth = 0;
  /** The metadata location of each request in progress, for history of `d` writes. */
  readonly #where: (SourceLocation | undefined)[] = [];
  /** What each request in progress runs, for the error when the worker dies. */
  readonly #doing: string[] = [];
  #stats = { fast: 0, fastRuns: 0, slow: 0, runs: 0, calls: 0, ms: 0 };
  /** The first buffered `d` write that failed and is not reported yet. */
  #writeError: unknown;

  constructor(options: PythonWorkerOptions = {}) {
    this.#onLog = options.onLog ?? stderrSink;
    this.#python = options.python ?? 'python3';
    this.#env = options.env ?? process.env;
    this.#timeout = options.timeout ?? 0;
    this.#onStart = options.onStart;
  }

  stats(): PythonStats {
    return { ...this.#stats };
  }

  /** Whether the python3 process is running (nothing is spawned until Python is needed). */
  get started(): boolean {
    return this.#proc !== undefined;
  }

  /** The python3 process id while it runs. */
  get pid(): number | undefined {
    return this.#proc ? this.#pythonPid : undefined;
  }

  evaluate(code: string, store: DataStore, varname: string | undefined): PythonOutcome {
    const out = this.#request(store, { op: 'eval', code, varname: varname ?? null }, undefined);
    if (isRecord(out) && out['unterminated'] === true) return { kind: 'unterminated' };
    if (!isRecord(out) || typeof out['value'] !== 'string' || !Array.isArray(out['refs'])) {
      throw new ProtocolError('malformed eval reply');
    }
    const references = out['refs'].filter((r): r is string => typeof r === 'string');
    return { kind: 'value', value: out['value'], references };
  }

  define(store: DataStore, fn: PythonFunction): void {
    ownContext(store).entries.push({ kind: 'def', fn });
  }

  addPyLib(store: DataStore, libdir: string, namespace: string): void {
    const dir = libdir.includes('${') ? store.expand(libdir) : libdir;
    const globalModules = asText(store.getVar('BB_GLOBAL_PYMODULES')).split(/\s+/).filter((m) => m !== '');
    ownContext(store).entries.push({ kind: 'pylib', libdir: dir, namespace, globalModules });
  }

  exec(store: DataStore, code: string, where: SourceLocation): void {
    this.#request(store, { op: 'exec', code, file: where.file, line: where.line }, where);
  }

  filter(store: DataStore, val: string, filter: string): string {
    const out = this.#request(store, { op: 'filter', val, filter }, undefined);
    if (typeof out !== 'string') throw new ProtocolError('malformed filter reply');
    return out;
  }

  accessed(store: DataStore): PythonAccess {
    if (!this.#proc) return { files: [], dirs: [] }; // no python3 ran: it read nothing
    const out = this.#request(store, { op: 'accessed' }, undefined);
    const paths = (v: unknown): string[] => {
      if (!Array.isArray(v) || !v.every((p): p is string => typeof p === 'string')) throw new ProtocolError('malformed accessed reply');
      return v;
    };
    if (!isRecord(out)) throw new ProtocolError('malformed accessed reply');
    return { files: paths(out['files']), dirs: paths(out['dirs']) };
  }

  /**
   * Fires parse event `eventName` (`RecipeParsed`, ...) at the handlers whose mask is empty
   * or names `bb.event.<eventName>`. `attrs` become event attributes (`inherits`, `tasklist`).
   */
  fire(store: DataStore, eventName: string, fn: string, handlers: readonly EventHandler[], attrs: EventAttributes = {}): void {
    const wanted = `bb.event.${eventName}`;
    const chosen = handlers.filter((h) => h.mask.length === 0 || h.mask.includes(wanted) || h.mask.includes('*'));
    if (chosen.length === 0) return;
    const list = chosen.map((h) => ({ name: h.name, body: h.body, file: h.where.file, line: h.where.line }));
    this.#request(store, { op: 'fire', event: eventName, fn, attrs, handlers: list }, undefined);
  }

  /** Stops the process (it exits on EOF). Idempotent; a later call starts a new one. */
  close(): void {
    const proc = this.#proc;
    if (!proc) return;
    this.#proc = undefined;
    this.#mirror.reset();
    running.delete(this);
    proc.close();
  }

  // ---- requests -----------------------------------------------------------------------

  #request(store: DataStore, fields: Readonly<Record<string, Json>>, where: SourceLocation | undefined): Json {
    const ctx = contextOf(store);
    throwIfBroken(ctx); // before starting anything: a broken context never reaches Python
    throwIfInterrupted(); // after Ctrl-C, no new Python starts
    const proc = this.#ensureStarted();
    const plan = this.#mirror.plan(ctx);
    const id = this.#nextId++;
    if (fields['op'] === 'eval') this.#stats.slow++;
    else this.#stats.runs++;
    const started = this.#depth === 0 ? performance.now() : undefined;
    this.#depth++;
    this.#where.push(where);
    this.#doing.push(activity(fields));
    try {
      return this.#call(proc, { t: 'q', id, ...fields, ctx: ctx?.id ?? 0, sync: plan.ops, store: this.#handles.idOf(store) });
    } catch (e) {
      if (e instanceof SyncFailure) throw this.#syncFailed(plan, e);
      throw e;
    } finally {
      this.#depth--;
      this.#where.pop();
      this.#doing.pop();
      if (started !== undefined) this.#stats.ms += performance.now() - started;
      if (this.#depth === 0) {
        this.#handles.clear();
        this.#thrown.clear();
        this.#writeError = undefined;
      }
    }
  }

  #call(proc: WorkerProcess, message: { readonly id: number } & Readonly<Record<string, unknown>>): Json {
    this.#send(proc, message);
    for (;;) {
      const m = this.#receive(proc);
      switch (m.t) {
        case 'r':
          if (m.id !== message.id) throw this.#broken(proc, `reply ${m.id} does not answer request ${message.id}`);
          if (m.ok && this.#writeError !== undefined) throw this.#takeWriteError();
          if (m.ok) return m.value;
          throw this.#remoteError(m.error);
        case 'q':
          this.#serve(proc, m);
          break;
        case 'n':
          this.#onLog(logLevel(m.level), m.message);
          break;
        case 'w':
          this.#applyWrites(m.writes);
          break;
        case 'hello':
          throw this.#broken(proc, 'unexpected hello');
        default: {
          const never: never = m;
          throw new Error(`unreachable: ${String(never)}`);
        }
      }
    }
  }

  /**
   * Buffered `d` writes, in order. The first failure is kept and raised in Python by its
   * next `d` call (or, failing that, here when the request ends): later than BitBake would,
   * but never lost.
   */
  #applyWrites(writes: Extract<Incoming, { t: 'w' }>['writes']): void {
    this.#stats.calls += writes.length;
    for (const w of writes) {
      if (this.#writeError !== undefined) return;
      try {
        const where = w.at ? { file: w.at[0], line: w.at[1] } : this.#where[this.#where.length - 1];
        dispatch(this.#handles.get(w.h), w.op, w.args, where, this.#handles);
      } catch (e) {
        if (e instanceof PythonWorkerExited) throw e;
        this.#writeError = e;
      }
    }
  }

  #takeWriteError(): unknown {
    const e = this.#writeError;
    this.#writeError = undefined;
    return e;
  }

  /** Answers one `d` call from Python; a tsbake error goes back as a Python exception. */
  #serve(proc: WorkerProcess, m: Extract<Incoming, { t: 'q' }>): void {
    let reply: Readonly<Record<string, unknown>>;
    this.#stats.calls++;
    try {
      if (this.#writeError !== undefined) throw this.#takeWriteError();
      const store = this.#handles.get(m.h);
      const where = m.at ? { file: m.at[0], line: m.at[1] } : this.#where[this.#where.length - 1];
      reply = { t: 'r', id: m.id, ok: true, value: dispatch(store, m.op, m.args, where, this.#handles) };
    } catch (e) {
      if (e instanceof PythonWorkerExited || e instanceof InterruptedError) throw e;
      const token = this.#nextToken++;
      this.#thrown.set(token, e);
      reply = { t: 'r', id: m.id, ok: false, error: { ...describe(e), token } };
    }
    this.#send(proc, reply);
  }

  #remoteError(error: ErrorPayload): unknown {
    if (error.token !== undefined && this.#thrown.has(error.token)) return this.#thrown.get(error.token);
    const where = error.file !== undefined && error.line !== undefined ? { file: error.file, line: error.line } : undefined;
    const made =
      error.kind === 'skip' ? new SkipRecipe(error.message, where) : error.kind === 'fatal' ? new FatalError(error.message, where) : new PythonError(error.message, error.type, where);
    return error.sync !== undefined ? new SyncFailure(error.sync, made) : made;
  }

  /** A def or pylib that fails breaks its context for good: later uses report the same error. */
  #syncFailed(plan: SyncPlan, failure: SyncFailure): Error {
    this.#mirror.forget(plan.chain);
    const origin = plan.origins[failure.index];
    let error = failure.cause;
    if (origin && error instanceof PythonError && !error.where && origin.entry.kind === 'def') {
      error = new PythonError(error.message, error.pythonType, origin.entry.fn.where);
    }
    if (origin) origin.ctx.broken = error;
    return error;
  }

  // ---- process ------------------------------------------------------------------------

  #ensureStarted(): WorkerProcess {
    if (this.#proc) return this.#proc;
    watchInterrupts(workerScript());
    const proc = spawnWorker({ python: this.#python, env: this.#env });
    this.#proc = proc;
    this.#onStart?.(proc.groupId);
    running.add(this);
    installExitHook();
    if (proc.hello === undefined) throw this.#died(proc, 'it exited before saying hello');
    const hello = this.#parse(proc, proc.hello);
    if (hello.t !== 'hello') throw this.#broken(proc, 'the worker did not say hello');
    this.#pythonPid = hello.pid;
    return proc;
  }

  #send(proc: WorkerProcess, message: unknown): void {
    try {
      proc.channel.send(message);
    } catch (e) {
      throw this.#died(proc, e instanceof Error ? e.message : String(e));
    }
  }

  #receive(proc: WorkerProcess): Incoming {
    let raw: unknown;
    waitingOn(proc.groupId, this.#timeout);
    try {
      raw = proc.channel.receive();
    } catch (e) {
      throw this.#died(proc, e instanceof Error ? e.message : String(e));
    } finally {
      doneWaiting();
    }
    if (raw === undefined) {
      const status = interruptSignal() ? undefined : proc.exitStatus();
      throw this.#died(proc, status === undefined ? 'it exited' : `it exited with status ${status}`);
    }
    return this.#parse(proc, raw);
  }

  #parse(proc: WorkerProcess, raw: unknown): Incoming {
    try {
      return parseIncoming(raw);
    } catch (e) {
      throw this.#broken(proc, e instanceof Error ? e.message : String(e));
    }
  }

  #broken(proc: WorkerProcess, what: string): PythonWorkerExited | InterruptedError {
    return this.#died(proc, `protocol error: ${what}`);
  }

  #died(proc: WorkerProcess, why: string): PythonWorkerExited | InterruptedError {
    const tail = proc.stderrTail();
    if (this.#proc === proc) this.close();
    else proc.close();
    const signal = interruptSignal();
    if (signal) return new InterruptedError(signal);
    const where = this.#where.findLast((w) => w !== undefined);
    const limit = timedOut(proc.groupId);
    if (limit !== undefined) {
      return new PythonWorkerExited(`the python3 worker gave no sign of life for ${limit} s and was stopped (limit: TSBAKE_PYTHON_TIMEOUT)`, 'Timeout', where);
    }
    const detail = tail ? `\n${tail}` : '';
    const doing = this.#doing[this.#doing.length - 1];
    const during = doing ? ` while running ${doing}` : '';
    return new PythonWorkerExited(`the python3 worker (${this.#python}) failed${during}: ${why}${detail}\n(a new worker starts for the next recipe)`, 'WorkerExited', where);
  }
}

/** What a request runs, in words: `the anonymous function`, `${@...}`, `bb.build.exec_func(...)`. */
function activity(fields: Readonly<Record<string, Json>>): string {
  const code = typeof fields['code'] === 'string' ? fields['code'] : '';
  switch (fields['op']) {
    case 'exec':
      return /^__anon_\d+_\w*\(d\)$/.test(code) ? 'an anonymous python function' : (code.split('\n').pop() ?? code);
    case 'eval':
      return `\${@${code}}`;
    case 'accessed':
      return 'the list of files Python read';
    default:
      return `the ${String(fields['event'] ?? '')} event handlers`;
  }
}

/** A sync operation failed; `cause` is the error it raised. Internal to this module. */
class SyncFailure extends Error {
  constructor(
    readonly index: number,
    override readonly cause: Error,
  ) {
    super(cause.message);
  }
}

function describe(e: unknown): { type: string; message: string; kind: ErrorPayload['kind'] } {
  const kind = e instanceof SkipRecipe ? 'skip' : e instanceof FatalError ? 'fatal' : 'python';
  if (e instanceof PythonError) return { type: e.pythonType, message: e.message, kind };
  if (e instanceof TsbakeError || e instanceof Error) return { type: e.name, message: e.message, kind };
  return { type: 'Exception', message: String(e), kind };
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const worker of [...running]) worker.close();
  });
}
