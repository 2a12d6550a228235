/**
 * File-system helpers. Writes never leave a half-written file: write `<name>.tmp-<pid>-<n>`,
 * then rename over the target. Directory creation is remembered per process, because a
 * build creates the same directories thousands of times and each mkdir is a system call.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

let counter = 0;
const made = new Set<string>();

export function tempName(target: string): string {
  return `${target}.tmp-${process.pid}-${++counter}`;
}

/** mkdir -p, once per directory per process (see forgetDirs after removing a tree). */
export function ensureDir(dir: string): void {
  if (made.has(dir)) return;
  mkdirSync(dir, { recursive: true });
  made.add(dir);
}

/** Forgets remembered directories at or below `dir` (it was just removed). */
export function forgetDirs(dir: string): void {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  for (const d of made) if (d === dir || d.startsWith(prefix)) made.delete(d);
}

export function writeFileAtomic(target: string, data: string | Uint8Array, mode?: number): void {
  ensureDir(dirname(target));
  const tmp = tempName(target);
  try {
    writeFileSync(tmp, data, mode === undefined ? undefined : { mode });
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
