/**
 * File-system helpers. Writes never leave a half-written file: write `<name>.tmp-<pid>-<n>`,
 * then rename over the target. Directory creation is remembered per process, because a
 * build creates the same directories thousands of times and each mkdir is a system call.
 */
import { accessSync, constants, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from './errors.js';

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

/**
 * Checks a file the user asked tsbake to write (`--log-json`, `--svg`) before any work starts:
 * not a directory, in an existing writable directory (tsbake creates no directory the user did
 * not ask for). Throws a UsageError naming the option.
 */
export function checkOutputFile(path: string, option: string): void {
  const abs = resolve(path);
  const parent = dirname(abs);
  const fail = (why: string): never => {
    throw new UsageError(`${option} ${path}: ${why}`);
  };
  let dirOk = false;
  try {
    dirOk = statSync(parent).isDirectory();
  } catch {
    fail(`the directory ${parent} does not exist`);
  }
  if (!dirOk) fail(`${parent} is not a directory`);
  try {
    if (statSync(abs).isDirectory()) fail('is a directory');
  } catch (e) {
    if (e instanceof UsageError) throw e;
  }
  try {
    accessSync(parent, constants.W_OK);
  } catch {
    fail(`the directory ${parent} is not writable`);
  }
}
