/**
 * Worker thread for one python task: opens a metadata session like the build's, parses the
 * recipe, and runs the task with `bb.build.exec_func` in its own python3 process (the same
 * worker code and `d` object as inline Python), logging to the task's log file.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { formatError } from '../core/diagnostic.js';
import { InlinePythonHost } from '../metadata/inline-python/host.js';
import { PythonWorker } from '../metadata/python/worker-client.js';
import { MetadataSession } from '../metadata/session.js';
import type { PythonTaskInput, PythonTaskOutput } from './python-task.js';

const input = workerData as PythonTaskInput;

/** utime + stime of a running process, from /proc (clock ticks of 1/100 s on Linux). */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

async function main(): Promise<PythonTaskOutput> {
  const log = (line: string): void => appendFileSync(input.logFile, line.endsWith('\n') ? line : `${line}\n`);
  const worker = new PythonWorker({
    env: input.env,
    python: input.python,
    onStart: (group) => parentPort?.postMessage({ group }),
    onLog: (level, message) => log(level === 'plain' ? message : `${level.toUpperCase()}: ${message}`),
  });
  try {
    const python = new InlinePythonHost(worker);
    const session = MetadataSession.open({ cwd: input.buildDir, env: input.sessionEnv, storeEnv: { python, tracking: false } });
    const variant = session.parseRecipe(input.recipeFile, input.variant).find((v) => v.variant === input.variant);
    if (!variant) throw new Error(`cannot parse ${input.recipeFile}`);
    const d = variant.store.createCopy();
    const calls = [...input.prefuncs, input.task, ...input.postfuncs].map((f) => `bb.build.exec_func(${JSON.stringify(f)}, d)`);
    python.exec(d, [`import os`, `os.chdir(${JSON.stringify(input.cwd)})`, ...calls].join('\n'), { file: input.recipeFile, line: 0 });
    return { exitCode: 0, cpu: cpuSeconds(worker.pid) };
  } catch (e) {
    log(formatError(e));
    return { exitCode: 1, cpu: cpuSeconds(worker.pid) };
  } finally {
    worker.close();
  }
}

parentPort?.postMessage(await main());

