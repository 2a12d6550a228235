/**
 * The python3 worker process and its two FIFOs, read and written with blocking syscalls:
 * metadata parsing is synchronous code, so a call into Python must return a value, not a
 * promise. The worker's stdout goes to our stderr (never our stdout, which carries variable
 * values) and its stderr to an unlinked temp file, read only to explain a crash.
 */
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, existsSync, fstatSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const READ_CHUNK = 64 * 1024;
const TAIL_BYTES = 4096;

/** Length-prefixed JSON frames over a pair of blocking file descriptors. */
export class FrameChannel {
  readonly #readFd: number;
  readonly #writeFd: number;
  #buf = Buffer.allocUnsafe(READ_CHUNK);
  #start = 0;
  #end = 0;

  constructor(readFd: number, writeFd: number) {
    this.#readFd = readFd;
    this.#writeFd = writeFd;
  }

  send(message: unknown): void {
    const text = JSON.stringify(message);
    const size = Buffer.byteLength(text, 'utf8');
    const frame = Buffer.allocUnsafe(4 + size);
    frame.writeUInt32BE(size, 0);
    frame.write(text, 4, 'utf8');
    let off = 0;
    while (off < frame.length) off += retrying(() => writeSync(this.#writeFd, frame, off, frame.length - off));
  }

  /** The next frame, parsed; undefined when the worker is gone (EOF or the exit marker). */
  receive(): unknown {
    if (!this.#fill(4)) return undefined;
    const size = this.#buf.readUInt32BE(this.#start);
    if (size === EXITED_MARKER) return undefined;
    if (!this.#fill(4 + size)) return undefined;
    const text = this.#buf.toString('utf8', this.#start + 4, this.#start + 4 + size);
    this.#start += 4 + size;
    return JSON.parse(text);
  }

  /** Makes `n` bytes available from #start; false on EOF. */
  #fill(n: number): boolean {
    while (this.#end - this.#start < n) {
      if (this.#start + n > this.#buf.length) this.#compact(n);
      const got = retrying(() => readSync(this.#readFd, this.#buf, this.#end, this.#buf.length - this.#end, null));
      if (got === 0) return false;
      this.#end += got;
    }
    return true;
  }

  #compact(n: number): void {
    const size = Math.max(READ_CHUNK, n);
    const next = size > this.#buf.length ? Buffer.allocUnsafe(size) : this.#buf;
    this.#buf.copy(next, 0, this.#start, this.#end);
    this.#end -= this.#start;
    this.#start = 0;
    this.#buf = next;
  }
}

/** EAGAIN/EINTR are retried: a signal or a spurious wakeup is not a failure. */
function retrying(io: () => number): number {
  for (;;) {
    try {
      return io();
    } catch (e) {
      const code = e instanceof Error && 'code' in e ? e.code : undefined;
      if (code !== 'EAGAIN' && code !== 'EINTR') throw e;
    }
  }
}

export interface WorkerProcess {
  readonly channel: FrameChannel;
  /** The `sh` wrapper's pid, which is also the worker's process group. */
  readonly groupId: number;
  /** The worker's first frame (its hello), or undefined when it exited before sending one. */
  readonly hello: unknown;
  /** The last few KiB the worker wrote to its stderr (python tracebacks, "not found"). */
  stderrTail(): string;
  /**
   * After an EOF: python3's exit status, which the shell around it reports a moment after
   * the pipe closes (waits up to a second; undefined if it never comes).
   */
  exitStatus(): number | undefined;
  /** Closes our ends: the worker sees EOF and exits. */
  close(): void;
}

export interface SpawnOptions {
  readonly python: string;
  readonly env: NodeJS.ProcessEnv;
}

/**
 * What the shell writes to OUT once python3 has exited: a frame length no real frame has.
 * It is how a worker that dies before its hello is noticed (see spawnWorker).
 */
const EXITED_MARKER = 0xffffffff;
const EXIT_LINE = /^tsbake: python3 exited with status (\d+)$/m;
const SHELL_SCRIPT = `"$0" -u "$1" "$2" "$3"; echo "tsbake: python3 exited with status $?" >&2; printf '\\377\\377\\377\\377' 2>/dev/null 1<>"$3"`;

/**
 * Starts the worker and reads its hello.
 *
 * No open here can block forever, whatever python3 does. We hold OUT read-write while
 * connecting, so our read-only open returns at once and python3's write-only open finds a
 * reader. Because of that extra writer, a python3 that dies before its hello gives no EOF;
 * instead the shell then writes EXITED_MARKER, through a read-write open that cannot block
 * even if tsbake itself is gone (so no shell is ever left waiting). Once the hello is in we
 * drop the extra writer: from then on the death of python3 is a plain EOF.
 */
export function spawnWorker(opts: SpawnOptions): WorkerProcess {
  const dir = mkdtempSync(join(tmpdir(), 'tsbake-py-'));
  const toPy = join(dir, 'in');
  const fromPy = join(dir, 'out');
  const fds: number[] = [];
  const open = (path: string, flags: string | number, mode?: number): number => {
    const fd = openSync(path, flags, mode);
    fds.push(fd);
    return fd;
  };
  let pid: number | undefined;
  try {
    execFileSync('mkfifo', ['-m', '600', toPy, fromPy]);
    const errFd = open(join(dir, 'stderr'), 'w+', 0o600);
    const writeFd = open(toPy, constants.O_RDWR); // python3's read-only open of IN never waits
    // Opened before the spawn: a FIFO that nobody holds open loses what is written to it,
    // and a python3 that is not found makes the shell write its marker within microseconds.
    const holdFd = open(fromPy, constants.O_RDWR);
    const readFd = open(fromPy, constants.O_RDONLY);
    const child = spawn('sh', ['-c', SHELL_SCRIPT, opts.python, workerScript(), toPy, fromPy], {
      stdio: ['ignore', 2, errFd],
      env: { ...opts.env, TSBAKE_PARENT_PID: String(process.pid) },
      detached: true, // its own process group: Ctrl-C reaches tsbake only
    });
    child.unref();
    pid = child.pid;
    if (pid === undefined) throw new Error('could not start sh for the python3 worker');
    const channel = new FrameChannel(readFd, writeFd);
    const hello = channel.receive();
    closeSync(holdFd);
    fds.splice(fds.indexOf(holdFd), 1);
    rmSync(dir, { recursive: true, force: true });
    let closed = false;
    return {
      channel,
      groupId: pid,
      hello,
      stderrTail: () => readTail(errFd).replace(EXIT_LINE, '').trim(),
      exitStatus: () => {
        const pause = new Int32Array(new SharedArrayBuffer(4));
        for (let i = 0; i < 100; i++) {
          const m = EXIT_LINE.exec(readTail(errFd));
          if (m) return Number(m[1]);
          Atomics.wait(pause, 0, 0, 10);
        }
        return undefined;
      },
      close: () => {
        if (closed) return;
        closed = true;
        for (const fd of [writeFd, readFd, errFd]) closeSync(fd);
      },
    };
  } catch (e) {
    if (pid !== undefined) killGroup(pid);
    for (const fd of fds) closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function readTail(fd: number): string {
  const size = fstatSync(fd).size;
  const length = Math.min(size, TAIL_BYTES);
  const buf = Buffer.alloc(length);
  const got = readSync(fd, buf, 0, length, size - length);
  return buf.toString('utf8', 0, got).trim();
}

let scriptPath: string | undefined;

/** engine/metadata/python/worker.py under the package root, found from dist/ or the sources. */
export function workerScript(): string {
  if (scriptPath !== undefined) return scriptPath;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) {
      scriptPath = join(dir, 'engine', 'metadata', 'python', 'worker.py');
      return scriptPath;
    }
    if (dirname(dir) === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
  }
}
