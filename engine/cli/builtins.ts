/**
 * The python tasks tsbake runs in TypeScript, by task name (ARCHITECTURE.md §3.9): the
 * composition root binds each to its domain module and hands the map to the pipeline.
 */
import { FETCH_BUILTINS } from '../fetch/tasks.js';
import type { TaskBuiltin, TaskBuiltins } from '../run/builtin.js';
import { packageIndexTask } from './commands/package-index.js';

export function taskBuiltins(): TaskBuiltins {
  const builtins = new Map<string, TaskBuiltin>();
  // do_fetch, do_unpack, do_patch (engine/fetch)
  for (const [task, fn] of FETCH_BUILTINS) builtins.set(task, fn);
  // do_package_index (engine/feed, through the package-index command's settings)
  builtins.set('do_package_index', packageIndexTask);
  return builtins;
}
