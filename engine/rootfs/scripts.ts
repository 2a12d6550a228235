/**
 * Maintainer scripts at rootfs time: run on the build host, never chrooted, with `D` and the
 * package managers' offline-root variables set to the rootfs (the `$D` rules, oe-core's
 * convention). A postinst asks to be deferred to first boot in one of two ways, then exits 0:
 * tsbake's do_package wraps `pkg_postinst_ontarget` so that it creates
 * `$D${ONTARGET_DEFER_DIR}/<pkg>`; recipes written for oe-core call
 * `$INTERCEPT_DIR/postinst_intercept delay_to_first_boot <pkg>`, and the intercept we provide
 * leaves a mark. Either way the script counts as deferred, not as run.
 */
import { chmodSync, existsSync, mkdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawnInGroup } from '../core/proc.js';
import { ONTARGET_DEFER_DIR } from '../package/model/scripts.js';

/** preinst, postinst, or another hook run the same way (ROOTFS_POSTPROCESS_COMMAND). */
export type ScriptName = string;

export interface ScriptResult {
  /** Exit status 0. */
  readonly ok: boolean;
  readonly code: number | null;
  /** The script asked to be deferred to first boot (postinst_intercept delay_to_first_boot). */
  readonly deferred: boolean;
  /** stdout and stderr, interleaved. */
  readonly output: string;
}

export interface ScriptHost {
  readonly root: string;
  /** Scratch directory for the scripts and the intercept (outside the rootfs). */
  readonly scratch: string;
  /** The clean task environment the scripts start from. */
  readonly env: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
}

const INTERCEPT = `#!/bin/sh
# tsbake: records that a postinst asked to run at first boot instead of at rootfs time.
case "$1" in
delay_to_first_boot) echo "$2" > "$INTERCEPT_DIR/delayed" ;;
esac
exit 0
`;

function interceptDir(host: ScriptHost): string {
  const dir = join(host.scratch, 'intercept');
  if (!existsSync(join(dir, 'postinst_intercept'))) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'postinst_intercept'), INTERCEPT, { mode: 0o755 });
  }
  return dir;
}

/** The variables every rootfs-time script sees (oe-core's names, so existing recipes work). */
export function offlineRootEnv(root: string): Record<string, string> {
  return { D: root, OFFLINE_ROOT: root, OPKG_OFFLINE_ROOT: root, IPKG_OFFLINE_ROOT: root };
}

export async function runScript(host: ScriptHost, pkg: string, name: ScriptName, text: string, args: readonly string[]): Promise<ScriptResult> {
  const intercept = interceptDir(host);
  const mark = join(intercept, 'delayed');
  rmSync(mark, { force: true });
  const file = join(host.scratch, `${pkg}.${name}`);
  writeFileSync(file, text);
  chmodSync(file, 0o755);
  const env = { ...host.env, ...offlineRootEnv(host.root), INTERCEPT_DIR: intercept, PKG: pkg };
  // A script without a #! line is a shell script, as dpkg and opkg treat it.
  const [cmd, argv] = text.startsWith('#!') ? [file, args] : ['/bin/sh', [file, ...args]];
  const child = spawnInGroup(cmd, argv, { cwd: host.root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  child.stdout?.on('data', (c: Buffer) => chunks.push(c));
  child.stderr?.on('data', (c: Buffer) => chunks.push(c));
  const abort = (): void => {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
  };
  host.signal.addEventListener('abort', abort, { once: true });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c) => resolve(c));
  }).finally(() => host.signal.removeEventListener('abort', abort));
  const recorded = join(host.root, ONTARGET_DEFER_DIR, pkg);
  const deferred = existsSync(mark) || existsSync(recorded);
  rmSync(mark, { force: true });
  rmSync(recorded, { force: true });
  return { ok: code === 0, code, deferred, output: Buffer.concat(chunks).toString('utf8') };
}

/** Removes the (empty) deferral record directories, which have no place in the image. */
export function removeDeferralRecords(root: string): void {
  for (let dir = join(root, ONTARGET_DEFER_DIR); dir.length > root.length + 1 && existsSync(dir); dir = dirname(dir)) {
    try {
      rmdirSync(dir);
    } catch {
      return; // not empty: something else lives there
    }
  }
}
