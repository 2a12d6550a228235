/**
 * `tsbake -g`: the task graph as BitBake's cooker writes it, so existing tools (and people
 * used to `bitbake -g`) read it unchanged:
 *
 *   task-depends.dot  digraph depends { "pn.do_x" [label="pn do_x\n:version\nfile"] and
 *                     "pn.do_x" -> "dep.do_y" edges }, nodes and edges sorted
 *   pn-buildlist      every PN in the graph, one per line, sorted
 *
 * Pure; dot-files.ts writes them. Sorting is by byte order (Python's str order on the same
 * names), so the files are identical run to run.
 */
import { splitTaskId, type TaskId } from './task-id.js';

export interface DotTask {
  readonly id: TaskId;
  readonly pn: string;
  readonly task: string;
  readonly recipeFile: string;
  readonly deps: readonly TaskId[];
  /** `PE:PV-PR` as BitBake labels nodes (`:1.0-r0` without a PE); see dotVersion. */
  readonly version?: string;
}

export interface DotGraphInput {
  readonly tasks: ReadonlyArray<DotTask>;
}

/** BitBake's `"%s:%s-%s" % (pe, pv, pr)`, with an unset PE left empty. */
export function dotVersion(pe: string | undefined, pv: string, pr: string): string {
  return `${pe ?? ''}:${pv}-${pr}`;
}

const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** `pn.do_task`, BitBake's node name. */
export function dotName(id: TaskId): string {
  const { pn, task } = splitTaskId(id);
  return `${pn}.${task}`;
}

/** Quotes and backslashes would end the DOT string early; BitBake's names never have them, paths might. */
const dotString = (s: string): string => s.replace(/[\\"]/g, (c) => `\\${c}`);

export function taskDependsDot(input: DotGraphInput): string {
  const nodes = input.tasks.map((t) => ({ name: dotName(t.id), t })).sort((a, b) => byBytes(a.name, b.name));
  const out = ['digraph depends {'];
  for (const { name, t } of nodes) {
    out.push(`"${dotString(name)}" [label="${dotString(`${t.pn} ${t.task}`)}\\n${dotString(t.version ?? '')}\\n${dotString(t.recipeFile)}"]`);
    const deps = [...new Set(t.deps.map(dotName))].sort(byBytes);
    for (const dep of deps) out.push(`"${dotString(name)}" -> "${dotString(dep)}"`);
  }
  out.push('}');
  return out.join('\n') + '\n';
}

/** Every PN in the graph, sorted, one per line; '' for an empty graph (BitBake then writes no file). */
export function pnBuildlist(input: DotGraphInput): string {
  const pns = [...new Set(input.tasks.map((t) => t.pn))].sort(byBytes);
  return pns.length === 0 ? '' : pns.join('\n') + '\n';
}
