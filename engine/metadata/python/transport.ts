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

  /** The next frame, parsed; undefined at end of file (the worker is gone). */
  receive(): unknown {
    if (!this.#fill(4)) return undefined;
    const size = this.#buf.readUInt32BE(this.#start);
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
  readonly pid: number;
  /** The last few KiB the worker wrote to its stderr (python tracebacks, "not found"). */
  stderrTail(): string;
  /** Closes our ends: the worker sees EOF and exits. */
  close(): void;
}

export interface SpawnOptions {
  readonly python: string;
  readonly env: NodeJS.ProcessEnv;
}

/** Starts the worker and waits until both FIFOs are connected (or the worker died trying). */
export function spawnWorker(opts: SpawnOptions): WorkerProcess {
  const dir = mkdtempSync(join(tmpdir(), 'tsbake-py-'));
  const toPy = join(dir, 'in');
  const fromPy = join(dir, 'out');
  const fds: number[] = [];
  let pid: number | undefined;
  try {
    execFileSync('mkfifo', ['-m', '600', toPy, fromPy]);
    const errFd = openSync(join(dir, 'stderr'), 'w+', 0o600);
    fds.push(errFd);
    // If python3 dies before opening OUT, the shell opens it instead and exits, so our
    // blocking open below returns and the first read sees EOF rather than hanging.
    const child = spawn('sh', ['-c', '"$0" -u "$1" "$2" "$3"; exec 3<>"$3"', opts.python, workerScript(), toPy, fromPy], {
      stdio: ['ignore', 2, errFd],
      env: { ...opts.env, TSBAKE_PARENT_PID: String(process.pid) },
      detached: true, // its own process group: Ctrl-C reaches tsbake only
    });
    child.unref();
    pid = child.pid;
    if (pid === undefined) throw new Error('could not start sh for the python3 worker');
    const writeFd = openSync(toPy, constants.O_RDWR); // read-write: never blocks
    fds.push(writeFd);
    const readFd = openSync(fromPy, constants.O_RDONLY);
    fds.push(readFd);
    rmSync(dir, { recursive: true, force: true });
    let closed = false;
    return {
      channel: new FrameChannel(readFd, writeFd),
      pid,
      stderrTail: () => readTail(errFd),
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
