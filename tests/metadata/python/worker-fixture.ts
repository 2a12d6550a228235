/** Shared set-up for the python worker tests: a real DataStore whose evaluator is the worker. */
import type { ExecutionContext } from 'ava';
import { DataStore } from '../../../engine/metadata/datastore.js';
import { PythonWorker, type PythonLogLevel } from '../../../engine/metadata/python/worker-client.js';

export interface Fixture {
  readonly worker: PythonWorker;
  readonly store: DataStore;
  readonly logs: Array<[PythonLogLevel, string]>;
}

export function fixture(t: ExecutionContext, tracking = false): Fixture {
  const logs: Array<[PythonLogLevel, string]> = [];
  const worker = new PythonWorker({ onLog: (level, message) => logs.push([level, message]) });
  t.teardown(() => worker.close());
  return { worker, store: new DataStore({ python: worker, tracking }), logs };
}

export const at = (file: string, line: number) => ({ file, line });
