/**
 * Python tasks run in a worker thread (so the scheduler keeps going) that drives a fresh
 * python3 process for the task: each task its own process, log and exit status.
 */
import { Worker } from 'node:worker_threads';
import { trackGroup, untrackGroup } from '../core/proc.js';

export interface PythonTaskInput {
  /** The directory the build's metadata session was opened in. */
  readonly buildDir: string;
  /** The python3 process's environment (the task's clean environment). */
  readonly env: Readonly<Record<string, string>>;
  /** The environment the build's metadata session was opened with. */
  readonly sessionEnv: Readonly<Record<string, string>>;
  readonly python: string;
  readonly recipeFile: string;
  readonly variant: string;
  readonly task: string;
  readonly prefuncs: readonly string[];
  readonly postfuncs: readonly string[];
  readonly cwd: string;
  readonly logFile: string;
}

export interface PythonTaskOutput {
  readonly exitCode: number;
  /** CPU seconds the task's python3 process used. */
  readonly cpu: number;
}

export function runPythonTask(input: PythonTaskInput, signal: AbortSignal): Promise<PythonTaskOutput> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./python-task-worker.js', import.meta.url), { workerData: input });
    // The thread may be blocked reading its python3 process: Ctrl-C stops that process (its
    // group is tracked like a shell task's), which ends the read, and then the thread.
    const groups: number[] = [];
    const abort = (): void => void worker.terminate();
    signal.addEventListener('abort', abort, { once: true });
    worker.on('message', (m: PythonTaskOutput | { group: number }) => {
      if ('group' in m) {
        groups.push(m.group);
        trackGroup(m.group);
      } else resolve(m);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      signal.removeEventListener('abort', abort);
      for (const g of groups) untrackGroup(g);
      resolve({ exitCode: code === 0 ? 0 : 130, cpu: 0 });
    });
  });
}
