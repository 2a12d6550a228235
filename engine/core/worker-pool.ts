/**
 * Worker threads kept between jobs, one pool per worker module: after the first job,
 * the next starts with a message instead of a thread's start (some 30 ms of CPU).
 * Idle workers do not keep the process alive; one that dies while idle is forgotten.
 */
import { Worker } from 'node:worker_threads';

const MAX_IDLE = 4;

export class WorkerPool {
  readonly #url: URL;
  readonly #role: string;
  readonly #idle: Worker[] = [];

  /** `role` goes to the worker as its workerData.role: the module serves jobs only then. */
  constructor(url: URL, role: string) {
    this.#url = url;
    this.#role = role;
  }

  /** A worker for one job; the caller adds its listeners, and gives it back with release or terminates it. */
  acquire(): Worker {
    const worker = this.#idle.pop() ?? new Worker(this.#url, { workerData: { role: this.#role } });
    worker.removeAllListeners('error').removeAllListeners('exit');
    worker.ref();
    return worker;
  }

  /** Back to the pool after a job that ended cleanly (the job's listeners are removed). */
  release(worker: Worker): void {
    worker.removeAllListeners('message').removeAllListeners('error').removeAllListeners('exit');
    if (this.#idle.length >= MAX_IDLE) {
      void worker.terminate();
      return;
    }
    const forget = (): void => {
      const i = this.#idle.indexOf(worker);
      if (i >= 0) this.#idle.splice(i, 1);
    };
    worker.on('error', forget).on('exit', forget);
    worker.unref();
    this.#idle.push(worker);
  }
}
