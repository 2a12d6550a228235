/**
 * Writes `tsbake -g`'s files into a directory (BitBake writes them into the current one):
 * task-depends.dot, pn-buildlist and, when Graphviz's `dot` is on PATH and the graph is small
 * enough to draw in seconds, task-depends.svg.
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
  /** Why there is no SVG: the graph has more than `svgMaxTasks` tasks, or `dot` failed; undefined when drawn or `dot` is missing. */
  readonly svgProblem: string | undefined;
}

/**
 * Graphviz's layout time grows much faster than the graph: on oe-core's task graph, 500 tasks
 * take seconds and 1000 take minutes (core-image-minimal's 5000 would take an hour).
 */
export const SVG_MAX_TASKS = 500;

export interface DotFilesOptions {
  /** Render task-depends.svg with Graphviz when `dot` is on PATH; default true. */
  readonly svg?: boolean;
  /** Stops a long `dot` run (large graphs take Graphviz minutes). */
  readonly signal?: AbortSignal;
  /** Larger graphs are not rendered; default SVG_MAX_TASKS. */
  readonly svgMaxTasks?: number;
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
  const max = opts.svgMaxTasks ?? SVG_MAX_TASKS;
  if (input.tasks.length > max) {
    const why = `task-depends.svg not rendered: ${input.tasks.length} tasks are more than Graphviz lays out quickly (${max}); \`dot -Tsvg -o task-depends.svg task-depends.dot\` draws it`;
    return { taskDepends, pnBuildlist: buildlist, svg: undefined, svgProblem: why };
  }
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
