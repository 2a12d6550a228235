/**
 * The python tasks tsbake runs in TypeScript, by task name (ARCHITECTURE.md §3.9): the
 * composition root binds each to its domain module and hands the map to the pipeline.
 */
import { FETCH_BUILTINS } from '../fetch/tasks.js';
import type { TaskBuiltin, TaskBuiltins } from '../run/builtin.js';
import { doPackage } from '../package/split/do-package.js';
import { doPackagedata } from '../package/split/do-packagedata.js';
import { imageBuiltins } from './image-builtins.js';

export function taskBuiltins(): TaskBuiltins {
  return new Map<string, TaskBuiltin>([
    ...FETCH_BUILTINS, // do_fetch, do_unpack, do_patch
    ['do_package', doPackage],
    ['do_packagedata', doPackagedata],
    // images (engine/rootfs)
    ...imageBuiltins(new Map()),
  ]);
}
