/**
 * Shared state for sstate tasks (SSTATETASKS with a `_setscene` twin): finding an object for a
 * task's hash, restoring it into the task's outputs, and after a real run storing the task's
 * inputs as an object and installing them into the outputs the same way a restore does.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TsbakeError } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs.js';
import type { EventSink } from '../core/log/events.js';
import type { TaskNode } from '../graph/task-graph.js';
import type { TaskId } from '../graph/task-id.js';
import type { SstateTask } from '../metadata/recipe-info.js';
import { findObject, hasObjects, parseMirrors, type Availability, type MirrorRule } from '../../sstate/store/lookup.js';
import { objectName, siginfoPath } from '../../sstate/store/naming.js';
import { restoreObject, type RestoreOutput } from '../../sstate/store/restore.js';
import { writeObject, type ObjectInput } from '../../sstate/store/write.js';

export interface SstateSettings {
  readonly sstateDir: string;
  readonly mirrors: string;
  readonly noNetwork: boolean;
  /** SOURCE_DATE_EPOCH: every archive member's mtime. */
  readonly mtime: number;
  readonly level: number | undefined;
}

/** Archive directory names: one per input/output pair and per plain directory, by position. */
function layout(task: SstateTask): { inputs: ObjectInput[]; outputs: RestoreOutput[]; plain: RestoreOutput[] } {
  const inputs: ObjectInput[] = [];
  const outputs: RestoreOutput[] = [];
  const plain: RestoreOutput[] = [];
  task.inputdirs.forEach((dir, i) => {
    const target = task.outputdirs[i];
    if (target === undefined) return;
    inputs.push({ dir, archivePrefix: `output${i}` });
    // Output directories are shared (DEPLOY_DIR, sysroots): files merge in, nothing else is removed.
    outputs.push({ archivePrefix: `output${i}`, target, merge: true });
  });
  task.plaindirs.forEach((dir, i) => {
    inputs.push({ dir, archivePrefix: `plain${i}` });
    plain.push({ archivePrefix: `plain${i}`, target: dir, merge: true });
  });
  return { inputs, outputs, plain };
}

export class SstateTasks {
  readonly #settings: SstateSettings;
  readonly #rules: MirrorRule[];
  readonly #emit: EventSink;
  /** Set once SSTATE_DIR turned out not to be writable: objects are no longer written there. */
  #unwritable = false;

  constructor(settings: SstateSettings, emit: EventSink) {
    this.#settings = settings;
    this.#rules = parseMirrors(settings.mirrors, emit);
    this.#emit = emit;
  }

  task(node: TaskNode): SstateTask | undefined {
    return node.recipe.sstate?.tasks[node.task];
  }

  objectName(node: TaskNode, hash: string): string {
    const info = node.recipe.sstate;
    return objectName({ pn: node.pn, packageArch: info?.packageArch ?? '', pv: node.recipe.pv, pr: node.recipe.pr, pkgArch: info?.pkgArch ?? '', version: info?.version ?? '', hash, task: node.task });
  }

  #lookup(signal?: AbortSignal): { sstateDir: string; mirrors: MirrorRule[]; noNetwork: boolean; events: EventSink; signal?: AbortSignal } {
    return { sstateDir: this.#settings.sstateDir, mirrors: this.#rules, noNetwork: this.#settings.noNetwork, events: this.#emit, ...(signal ? { signal } : {}) };
  }

  /** Where each task's object is (local, mirror, or nowhere). */
  async availability(nodes: readonly TaskNode[], hashes: ReadonlyMap<TaskId, string>, signal: AbortSignal): Promise<Map<TaskId, Availability>> {
    const names = nodes.map((n) => this.objectName(n, hashes.get(n.id) ?? ''));
    const found = await hasObjects(names, { ...this.#lookup(signal), concurrency: 8 });
    return new Map(nodes.map((n, i) => [n.id, found.get(names[i] as string)]));
  }

  /**
   * Restores a task's outputs and copies the object's signature data (when it has one) to
   * `sigdata`, so `why` compares with what was restored; false (after a warning) when the
   * object is missing or bad.
   */
  async restore(node: TaskNode, hash: string, sigdata: string, signal: AbortSignal): Promise<boolean> {
    const task = this.task(node);
    if (!task) return false;
    const found = await findObject(this.objectName(node, hash), this.#lookup(signal));
    if (!found) return false;
    const { outputs, plain } = layout(task);
    try {
      await restoreObject(found.path, [...outputs, ...plain], { signal });
    } catch (e) {
      if (!(e instanceof TsbakeError) || signal.aborted) throw e;
      this.#emit({ kind: 'warning', message: `${node.id}: ${e.message}; the task runs instead` });
      return false;
    }
    const siginfo = await readFile(siginfoPath(found.path)).catch(() => undefined); // optional: older objects may lack it
    if (siginfo) writeFileAtomic(sigdata, siginfo);
    return true;
  }

  /** After a real run: store the task's inputs as its object, then install them into the outputs. */
  async store(node: TaskNode, hash: string, siginfo: string, signal: AbortSignal): Promise<void> {
    const task = this.task(node);
    if (!task) return;
    const { inputs, outputs } = layout(task);
    const object = { name: this.objectName(node, hash), inputs, mtime: this.#settings.mtime, ...(this.#settings.level === undefined ? {} : { level: this.#settings.level }), siginfo, signal };
    if (!this.#unwritable) {
      try {
        const written = await writeObject({ sstateDir: this.#settings.sstateDir, ...object });
        if (outputs.length) await restoreObject(written.path, outputs, { signal });
        return;
      } catch (e) {
        if (!this.#cacheUnwritable(e)) throw e;
      }
    }
    if (!outputs.length) return;
    // Like a build with a read-only mirror: the outputs are installed the usual way, from an
    // object that goes to a scratch directory instead of the cache.
    const scratch = await mkdtemp(join(tmpdir(), 'tsbake-sstate-'));
    try {
      const written = await writeObject({ sstateDir: scratch, ...object });
      await restoreObject(written.path, outputs, { signal });
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  /** Whether `e` says SSTATE_DIR cannot be written; the first time, a warning says so. */
  #cacheUnwritable(e: unknown): boolean {
    const code = e instanceof Error && 'code' in e ? String(e.code) : '';
    const path = e instanceof Error && 'path' in e ? String(e.path) : undefined;
    const dir = this.#settings.sstateDir;
    if (!['EROFS', 'EACCES', 'EPERM', 'ENOENT', 'ENOTDIR', 'EDQUOT'].includes(code)) return false;
    if (path !== undefined && path !== dir && !path.startsWith(`${dir}/`)) return false;
    if (this.#unwritable) return true; // a parallel store already said so
    this.#unwritable = true;
    this.#emit({ kind: 'warning', message: `the shared-state cache ${dir} cannot be written (${code}${path ? `: ${path}` : ''}); this build stores no objects in it` });
    return true;
  }

}
