/**
 * Tests that need a host tool skip with a message naming it; in CI (CI=true) a missing tool
 * is a failure instead, so CI never passes silently.
 */
import type { ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Returns false (after passing or failing the test) when `what` is missing. */
export function requireTool(t: ExecutionContext, available: boolean, what: string): boolean {
  if (available) return true;
  if (process.env['CI'] === 'true') t.fail(`missing host tool in CI: ${what}`);
  else {
    t.log(`skipped: needs ${what}`);
    t.pass();
  }
  return false;
}

export const pathExists = existsSync;
