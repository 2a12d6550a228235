/**
 * One download of a file at a time, across every process sharing a DL_DIR, BitBake included:
 * an exclusive flock(2) on `<file>.lock`, taken as bb.utils.lockfile takes it (open for
 * append, lock, then check the path still names the locked inode, since an unlocker removes
 * the file; else start again) and released as bb.utils.unlockfile releases it (remove the
 * file while still holding the lock).
 *
 * Node cannot flock, so one python3 child per tsbake process holds every lock tsbake takes
 * (fcntl.flock, as BitBake) and is told over its stdin, a pipe from this process, which to
 * take and which to give up. The kernel closes that pipe when tsbake dies in any way, SIGKILL
 * included; the holder then removes its lock files and exits, so a lock never outlives its
 * owner. One long-lived holder instead of a process per download: a download costs no spawn.
 */
import { mkdirSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { Socket } from 'node:net';
import { basename, dirname, extname, join } from 'node:path';
import { spawnInGroup } from '../core/proc.js';
import { FetchError } from './errors.js';

/**
 * Requests on stdin, one a line: `L id path` (lock), `U id` (unlock), `C id` (the caller gave
 * up: unlock or stop waiting). Answers: `B id` (busy: it waits), `K id` (locked), `R id`
 * (released or given up; the answer to U and C), `E id message`. A lock that is busy is tried again every 50 ms, so one holder
 * waits for many locks at once and still hears its requests.
 */
const HOLDER = String.raw`
import errno, fcntl, os, select, sys
held, waiting = {}, {}
def say(*words):
    os.write(1, (' '.join(words) + '\n').encode())
def attempt(i, path):
    while True:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        except OSError as e:
            waiting.pop(i, None)
            return say('E', i, str(e).replace('\n', ' '))
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            os.close(fd)
            if e.errno not in (errno.EAGAIN, errno.EWOULDBLOCK):
                waiting.pop(i, None)
                return say('E', i, str(e).replace('\n', ' '))
            if i not in waiting:
                waiting[i] = path
                say('B', i)
            return
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except OSError:
            same = False
        if same:
            waiting.pop(i, None)
            held[i] = (fd, path)
            return say('K', i)
        os.close(fd)
def release(i):
    fd, path = held.pop(i)
    try:
        os.unlink(path)
    except OSError:
        pass
    os.close(fd)
pending = b''
while True:
    ready = select.select([0], [], [], 0.05 if waiting else None)[0]
    if ready:
        data = os.read(0, 65536)
        if not data:
            for i in list(held):
                release(i)
            sys.exit(0)
        pending += data
        *lines, pending = pending.split(b'\n')
        for line in lines:
            op, i, *rest = line.decode().split(' ', 2)
            if op == 'L':
                attempt(i, rest[0])
            else:
                if i in held:
                    release(i)
                waiting.pop(i, None)
                say('R', i)
    for i, path in list(waiting.items()):
        attempt(i, path)
`;

/** BitBake's lock name: `<file>.lock`, its base name cut to 255 bytes keeping the extension. */
export function lockName(file: string): string {
  const name = `${basename(file)}.lock`;
  if (Buffer.byteLength(name) <= 255) return join(dirname(file), name);
  const ext = extname(name);
  return join(dirname(file), Buffer.from(name.slice(0, -ext.length)).subarray(0, 255 - Buffer.byteLength(ext)).toString('utf8') + ext);
}

interface Request {
  readonly lock: string;
  /** Told each answer about this request. */
  readonly answer: (op: string, message: string) => void;
}

/** The python3 holder of this process's locks, started on the first lock. */
class LockHolder {
  readonly #child: ChildProcess;
  readonly #requests = new Map<string, Request>();
  #next = 0;
  #errors = '';
  #gone: string | undefined;

  constructor() {
    this.#child = spawnInGroup('python3', ['-I', '-S', '-c', HOLDER], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    this.#child.stdout?.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      const lines = out.split('\n');
      out = lines.pop() ?? '';
      for (const line of lines) {
        const [op = '', id = ''] = line.split(' ', 2);
        this.#requests.get(id)?.answer(op, line.slice(op.length + id.length + 2));
      }
    });
    this.#child.stderr?.setEncoding('utf8').on('data', (s: string) => (this.#errors = (this.#errors + s).slice(-2000)));
    this.#child.stdin?.on('error', () => undefined);
    const end = (why: string): void => {
      this.#gone ??= why;
      for (const r of this.#requests.values()) r.answer('E', this.#gone);
      this.#requests.clear();
    };
    this.#child.once('error', (e) => end(`cannot run python3: ${e.message}`));
    this.#child.once('close', (code) => end(`the python3 lock holder exited (${code ?? 'signal'}): ${this.#errors.trim()}`));
    this.#idle();
  }

  get gone(): boolean {
    return this.#gone !== undefined;
  }

  /** Sends `op id [path]`; `request.answer` hears every reply about `id` until done(id). */
  send(op: 'L' | 'U' | 'C', id: string, request: Request): void {
    if (this.#gone !== undefined) return request.answer('E', this.#gone);
    this.#requests.set(id, request);
    this.#busy();
    this.#child.stdin?.write(op === 'L' ? `L ${id} ${request.lock}\n` : `${op} ${id}\n`);
  }

  newId(): string {
    return String(++this.#next);
  }

  done(id: string): void {
    this.#requests.delete(id);
    if (this.#requests.size === 0) this.#idle();
  }

  /** While a request is open the holder keeps tsbake running; idle, it never does. */
  #busy(): void {
    this.#child.ref();
    for (const s of [this.#child.stdin, this.#child.stdout, this.#child.stderr]) if (s instanceof Socket) s.ref();
  }

  #idle(): void {
    this.#child.unref();
    for (const s of [this.#child.stdin, this.#child.stdout, this.#child.stderr]) if (s instanceof Socket) s.unref();
  }
}

let holder: LockHolder | undefined;

function lockHolder(): LockHolder {
  if (!holder || holder.gone) holder = new LockHolder();
  return holder;
}

/** Holds the lock on `lock` until the returned release is called. */
function acquire(lock: string, signal: AbortSignal, waiting: () => void): Promise<() => Promise<void>> {
  if (lock.includes('\n')) return Promise.reject(new FetchError(`cannot lock ${JSON.stringify(lock)}: the path contains a newline`));
  mkdirSync(dirname(lock), { recursive: true });
  const aborted = (): Error => (signal.reason instanceof Error ? signal.reason : new Error('aborted'));
  if (signal.aborted) return Promise.reject(aborted());
  const h = lockHolder();
  const id = h.newId();
  return new Promise((resolve, reject) => {
    const abort = (): void => {
      h.send('C', id, { lock, answer: (op) => (op === 'R' || op === 'E') && h.done(id) });
      reject(aborted());
    };
    signal.addEventListener('abort', abort, { once: true });
    h.send('L', id, {
      lock,
      answer: (op, message) => {
        if (op === 'B') return waiting();
        signal.removeEventListener('abort', abort);
        h.done(id);
        if (op === 'E') return reject(new FetchError(`cannot lock ${lock}: ${message}`, undefined, 'the download lock needs python3 (fcntl.flock, as BitBake)'));
        resolve(
          () =>
            new Promise<void>((released) => {
              // An `E` here means the holder is gone, and the kernel released the lock with it.
              h.send('U', id, { lock, answer: () => (h.done(id), released()) });
            }),
        );
      },
    });
  });
}

/** Runs `body` holding the lock for `file` (`<file>.lock`); `log` hears when it has to wait. */
export async function withDownloadLock<T>(file: string, signal: AbortSignal, log: (line: string) => void, body: () => Promise<T>): Promise<T> {
  const lock = lockName(file);
  const release = await acquire(lock, signal, () => log(`NOTE: waiting for ${lock}, which another build holds`));
  try {
    return await body();
  } finally {
    await release();
  }
}
