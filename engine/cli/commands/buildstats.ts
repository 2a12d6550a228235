/**
 * `tsbake buildstats [--svg FILE] [BUILD-ID]`: where the time of a build went. Prints the
 * totals and the slowest tasks of the latest build (or the one named), and with --svg draws
 * its timeline, one row per worker slot.
 */
import { UsageError } from '../../core/errors.js';
import { writeFileAtomic } from '../../core/fs.js';
import { listBuilds, readBuildstats, type BuildstatsData, type TaskStat } from '../../run/buildstats.js';
import { join } from 'node:path';
import { renderTimeline } from './buildstats-timeline.js';

export interface BuildstatsRequest {
  /** ${BUILDSTATS_BASE}. */
  readonly base: string;
  /** Default: the latest build under base. */
  readonly buildId?: string;
  /** Where to write the SVG timeline. */
  readonly svg?: string;
  /** How many of the slowest tasks to list; default 20. */
  readonly top?: number;
}

const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));
const s2 = (n: number): string => n.toFixed(2);
const elapsedOf = (t: TaskStat): number => t.ended - t.started;

/** The slowest first; equal times by task id, so the list is the same every time. */
export function slowestTasks(tasks: readonly TaskStat[], top: number): TaskStat[] {
  // Whole milliseconds, so float noise in `ended - started` cannot split a tie.
  const ms = (t: TaskStat): number => Math.round(elapsedOf(t) * 1000);
  return [...tasks].sort((a, b) => ms(b) - ms(a) || byBytes(a.id, b.id)).slice(0, Math.max(0, top));
}

export function buildstatsReport(data: BuildstatsData, top = 20): string {
  const count = (o: TaskStat['outcome']): number => data.tasks.filter((t) => t.outcome === o).length;
  const failed = count('failed');
  const interrupted = count('interrupted');
  const succeeded = data.tasks.length - failed - interrupted;
  const { current, restored, noexec } = data.settled;
  const taskTime = data.tasks.reduce((sum, t) => sum + elapsedOf(t), 0);
  const cpu = data.tasks.reduce((sum, t) => sum + t.cpu, 0);
  const first = data.tasks.reduce((m, t) => Math.min(m, t.started), Infinity);
  const last = data.tasks.reduce((m, t) => Math.max(m, t.ended), -Infinity);
  const span = data.tasks.length > 0 ? last - first : 0;
  const parallelism = span > 0 ? ` (parallelism ${s2(taskTime / span)})` : '';
  const lines = [
    `Build ${data.buildId}`,
    `  Wall clock:     ${s2(data.ended - data.started)} s`,
    `  Tasks run:      ${data.tasks.length} (${succeeded} succeeded, ${failed} failed, ${interrupted} interrupted)`,
    `  Tasks not run:  ${current + restored + noexec} (${restored} restored, ${current} current, ${noexec} noexec)`,
    `  Task time:      ${s2(taskTime)} s in ${data.slots} slots${parallelism}`,
    `  CPU time:       ${s2(cpu)} s`,
  ];
  const slow = slowestTasks(data.tasks, top);
  if (slow.length > 0) {
    lines.push('', `Slowest tasks:`, `  ${'Elapsed (s)'.padStart(11)}  ${'CPU (s)'.padStart(9)}  Task`);
    for (const t of slow) {
      const mark = t.outcome === 'failed' || t.outcome === 'interrupted' ? ` (${t.outcome})` : '';
      lines.push(`  ${s2(elapsedOf(t)).padStart(11)}  ${s2(t.cpu).padStart(9)}  ${t.pf} ${t.task}${mark}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** The build a request names: its id, or the latest one under base. */
export function chooseBuild(base: string, buildId: string | undefined): string {
  const builds = listBuilds(base);
  if (buildId === undefined) {
    const latest = builds[builds.length - 1];
    if (latest === undefined) throw new UsageError(`no buildstats found in ${base}`, undefined, 'run a build first; it records buildstats there');
    return latest;
  }
  if (!builds.includes(buildId)) {
    const recent = builds.slice(-5).join(', ');
    throw new UsageError(`no buildstats for build ${buildId} in ${base}`, undefined, recent === '' ? 'run a build first' : `recent builds: ${recent}`);
  }
  return buildId;
}

/** Prints the report (and writes the SVG); returns the exit code. */
export function buildstatsCommand(req: BuildstatsRequest, out: (text: string) => void): number {
  const id = chooseBuild(req.base, req.buildId);
  const data = readBuildstats(join(req.base, id));
  out(buildstatsReport(data, req.top ?? 20));
  if (req.svg !== undefined) {
    writeFileAtomic(req.svg, renderTimeline(data));
    out(`Timeline written to ${req.svg}\n`);
  }
  return 0;
}
