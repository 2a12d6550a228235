/** Runs a host tool (objcopy, readelf) in its own process group and waits for it; a failure names the command and its stderr. */
import { TsbakeError } from '../../core/errors.js';
import { spawnInGroup } from '../../core/proc.js';

export class HostToolError extends TsbakeError {
  readonly code = 'E_HOST_TOOL';
}

/** The tool's standard output (kept only when `capture` is set). */
export function readHostTool(cmd: string, args: readonly string[], env: Readonly<Record<string, string>>, signal: AbortSignal, capture = true): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawnInGroup(cmd, args, { stdio: ['ignore', capture ? 'pipe' : 'ignore', 'pipe'], env: { ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const abort = (): void => void child.kill('SIGTERM');
    signal.addEventListener('abort', abort, { once: true });
    child.once('error', (e) => reject(new HostToolError(`cannot run ${cmd}: ${e.message}`, undefined, `install ${cmd} (Debian package binutils)`)));
    child.once('close', (code) => {
      signal.removeEventListener('abort', abort);
      if (code === 0) resolve(stdout);
      else reject(new HostToolError(`${cmd} ${args.join(' ')} failed (exit ${String(code)})${stderr ? `:\n${stderr.trimEnd()}` : ''}`));
    });
  });
}

export async function runHostTool(cmd: string, args: readonly string[], env: Readonly<Record<string, string>>, signal: AbortSignal): Promise<void> {
  await readHostTool(cmd, args, env, signal, false);
}
