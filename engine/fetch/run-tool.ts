/**
 * Host tools the fetcher runs (git, tar, patch, unzip, decompressors): in their own process
 * group, aborted with the task, output captured for the error message and the task log.
 */
import { spawnInGroup } from '../core/proc.js';

export interface ToolResult {
  readonly status: number;
  readonly output: string;
}

export interface ToolOptions {
  readonly cwd?: string;
  readonly env: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
}

/** Runs `cmd args`; resolves with the exit status and the combined stdout and stderr. */
export function runTool(cmd: string, args: readonly string[], opts: ToolOptions): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawnInGroup(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout?.on('data', (c: Buffer) => chunks.push(c));
    child.stderr?.on('data', (c: Buffer) => chunks.push(c));
    const abort = (): void => {
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
    };
    opts.signal.addEventListener('abort', abort, { once: true });
    child.on('error', (e) => {
      opts.signal.removeEventListener('abort', abort);
      reject(e);
    });
    child.on('close', (code, sig) => {
      opts.signal.removeEventListener('abort', abort);
      resolve({ status: code ?? (sig ? 128 : 1), output: Buffer.concat(chunks).toString('utf8') });
    });
  });
}
