/**
 * Writes `tsbake -g`'s files into a directory (BitBake writes them into the current one):
 * task-depends.dot, pn-buildlist and, when Graphviz's `dot` is on PATH, task-depends.svg.
 * Like BitBake it removes the old-format pn-depends.dot, package-depends.dot and
 * recipe-depends.dot, so nobody reads stale data next to fresh files.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { rename } from 'node:fs/promises';
import { tempName, writeFileAtomic } from '../core/fs.js';
import { spawnInGroup } from '../core/proc.js';
import { pnBuildlist, taskDependsDot, type DotGraphInput } from './dot.js';

export interface DotFiles {
  readonly taskDepends: string;
  /** Undefined for an empty graph. */
  readonly pnBuildlist: string | undefined;
  /** The SVG, when `dot` was found and succeeded. */
  readonly svg: string | undefined;
  /** Why there is no SVG although `dot` exists (it failed); undefined otherwise. */
  readonly svgProblem: string | undefined;
}

export interface DotFilesOptions {
  /** Render task-depends.svg with Graphviz when `dot` is on PATH; default true. */
  readonly svg?: boolean;
  /** Stops a long `dot` run (large graphs take Graphviz minutes). */
  readonly signal?: AbortSignal;
}

const STALE = ['pn-depends.dot', 'package-depends.dot', 'recipe-depends.dot'];

export async function writeDotFiles(dir: string, input: DotGraphInput, opts: DotFilesOptions = {}): Promise<DotFiles> {
  const taskDepends = join(dir, 'task-depends.dot');
  const list = pnBuildlist(input);
  const buildlist = list === '' ? undefined : join(dir, 'pn-buildlist');
  if (buildlist !== undefined) writeFileAtomic(buildlist, list);
  for (const name of STALE) rmSync(join(dir, name), { force: true });
  writeFileAtomic(taskDepends, taskDependsDot(input));
  if (opts.svg === false) return { taskDepends, pnBuildlist: buildlist, svg: undefined, svgProblem: undefined };
  const svg = join(dir, 'task-depends.svg');
  const result = await renderSvg(taskDepends, svg, opts.signal);
  return { taskDepends, pnBuildlist: buildlist, svg: result === 'ok' ? svg : undefined, svgProblem: result === 'ok' || result === 'no-dot' ? undefined : result };
}

/** Runs `dot -Tsvg` into a temp file and renames it: 'ok', 'no-dot', or what went wrong. */
async function renderSvg(dotFile: string, target: string, signal: AbortSignal | undefined): Promise<string> {
  const tmp = tempName(target);
  const outcome = await new Promise<string>((resolve) => {
    const child = spawnInGroup('dot', ['-Tsvg', '-o', tmp, dotFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (s: string) => {
      stderr = (stderr + s).slice(-2000);
    });
    const abort = (): void => {
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
    };
    signal?.addEventListener('abort', abort, { once: true });
    child.once('error', (e: NodeJS.ErrnoException) => {
      signal?.removeEventListener('abort', abort);
      resolve(e.code === 'ENOENT' ? 'no-dot' : `dot: ${e.message}`);
    });
    child.once('close', (code, sig) => {
      signal?.removeEventListener('abort', abort);
      if (code === 0) resolve('ok');
      else resolve(`dot ${sig !== null ? `was killed by ${sig}` : `exited with ${code}`}${stderr.trim() === '' ? '' : `: ${stderr.trim()}`}`);
    });
  });
  if (outcome !== 'ok') {
    rmSync(tmp, { force: true });
    return outcome;
  }
  await rename(tmp, target);
  return 'ok';
}
