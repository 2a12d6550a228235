/** The real tools the package tests check with (../shared/validators, dpkg, rpm). */
import type { ExecutionContext } from 'ava';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../engine/core/package-root.js';
import { hasCommand, requireTool } from '../helpers/host-tools.js';

export const VALIDATE = join(PACKAGE_ROOT, '..', 'shared', 'validators', 'validate.sh');

export type Format = 'deb' | 'rpm' | 'ipk' | 'tar';

/** Skips (or in CI fails) unless the validators and the tools they run are here. */
export function requireValidators(t: ExecutionContext): boolean {
  return requireTool(t, existsSync(VALIDATE), `../shared/validators/validate.sh`) && requireTool(t, hasCommand('dpkg-deb') && hasCommand('rpm') && hasCommand('zstd'), 'dpkg-dev, rpm and zstd (Debian packages)');
}

/** Runs validate.sh; asserts it says ok, showing every problem line otherwise. */
export function assertValid(t: ExecutionContext, format: Format, file: string): void {
  const r = spawnSync('bash', [VALIDATE, format, file], { encoding: 'utf8', env: { ...process.env, VALIDATE_TMPDIR: process.env['VALIDATE_TMPDIR'] ?? '/tmp' } });
  t.is(r.status, 0, `${format} ${file}:\n${r.stdout}${r.stderr}`);
  t.regex(r.stdout, new RegExp(`^ok: ${format} `, 'm'));
}

export function run(cmd: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env } });
}
