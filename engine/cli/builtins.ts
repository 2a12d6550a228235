/**
 * The python tasks tsbake runs in TypeScript, by task name (ARCHITECTURE.md §3.9): the
 * composition root binds each to its domain module and hands the map to the pipeline.
 */
import type { TaskBuiltin, TaskBuiltins } from '../run/builtin.js';
import { imageBuiltins } from './image-builtins.js';

export function taskBuiltins(): TaskBuiltins {
  return new Map<string, TaskBuiltin>([
    // images (engine/rootfs)
    ...imageBuiltins(new Map()),
  ]);
}
