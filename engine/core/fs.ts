/**
 * Writes that never leave a half-written file: write to `<name>.tmp-<pid>-<rand>`, then
 * rename over the target.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export function tempName(target: string): string {
  return `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

export function writeFileAtomic(target: string, data: string | Uint8Array, mode?: number): void {
  mkdirSync(dirname(target), { recursive: true });
  const tmp = tempName(target);
  try {
    writeFileSync(tmp, data, mode === undefined ? undefined : { mode });
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
