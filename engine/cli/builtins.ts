/**
 * The python tasks tsbake runs in TypeScript, by task name (ARCHITECTURE.md §3.9): the
 * composition root binds each to its domain module and hands the map to the pipeline.
 */
import { FETCH_BUILTINS } from '../fetch/tasks.js';
import type { PrService } from '../prserv/pr-auto.js';
import type { TaskBuiltin, TaskBuiltins } from '../run/builtin.js';
import { packageIndexTask } from './commands/package-index.js';

/** Services a build opens for its builtins. */
export interface BuildServices {
  /** The PR service PRSERV_HOST names (do_package's PKGR = ${PR}.${PRAUTO}, see prserv/pr-auto.ts). */
  readonly prService?: PrService;
}

export function taskBuiltins(_services: BuildServices = {}): TaskBuiltins {
  const builtins = new Map<string, TaskBuiltin>();
  // do_fetch, do_unpack, do_patch (engine/fetch)
  for (const [task, fn] of FETCH_BUILTINS) builtins.set(task, fn);
  // do_package_index (engine/feed, through the package-index command's settings)
  builtins.set('do_package_index', packageIndexTask);
  return builtins;
}
