/**
 * Stamps: `${STAMP}.do_X.<taskhash>` says "do_X ran with these inputs". A task is current when
 * its stamp exists. Directory listings are read once per stamp directory per build, so
 * checking thousands of tasks costs one readdir each.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { ensureDir, writeFileAtomic } from '../core/fs.js';

export function stampFile(stampBase: string, task: string, taskhash: string): string {
  return `${stampBase}.${task}.${taskhash}`;
}

export function sigdataFile(stampBase: string, task: string, taskhash: string): string {
  return `${stampBase}.${task}.sigdata.${taskhash}`;
}

export class StampIndex {
  readonly #dirs = new Map<string, Set<string>>();

  #listing(dir: string): Set<string> {
    let names = this.#dirs.get(dir);
    if (!names) {
      try {
        names = new Set(readdirSync(dir));
      } catch {
        names = new Set();
      }
      this.#dirs.set(dir, names);
    }
    return names;
  }

  isCurrent(stampBase: string, task: string, taskhash: string): boolean {
    const slash = stampBase.lastIndexOf('/');
    return this.#listing(stampBase.slice(0, slash)).has(`${stampBase.slice(slash + 1)}.${task}.${taskhash}`);
  }

  /** Records a successful run, and drops older stamps (other hashes) of the same task. */
  write(stampBase: string, task: string, taskhash: string): void {
    const dir = dirname(stampBase);
    const prefix = `${basename(stampBase)}.${task}.`;
    const listing = this.#listing(dir);
    for (const name of [...listing]) {
      if (name.startsWith(prefix) && !name.startsWith(`${prefix}sigdata.`) && name !== `${prefix}taint` && name !== `${prefix}${taskhash}`) {
        rmSync(`${dir}/${name}`, { force: true });
        listing.delete(name);
      }
    }
    // A stamp is empty, so creating it cannot leave a half-written file: no temp + rename.
    ensureDir(dir);
    writeFileSync(stampFile(stampBase, task, taskhash), '');
    listing.add(`${prefix}${taskhash}`);
  }

  /** The taint `-C` left on a task (it changes the task's hash, so dependents rerun too). */
  taint(stampBase: string, task: string): string | undefined {
    const name = `${basename(stampBase)}.${task}.taint`;
    if (!this.#listing(dirname(stampBase)).has(name)) return undefined;
    try {
      return readFileSync(`${dirname(stampBase)}/${name}`, 'utf8').trim() || undefined;
    } catch {
      return undefined;
    }
  }

  /** `-C`: taint the task with a fresh nonce, so it and everything after it run again. */
  taintTask(stampBase: string, task: string): void {
    const name = `${basename(stampBase)}.${task}.taint`;
    writeFileAtomic(`${dirname(stampBase)}/${name}`, `nostamp:${randomUUID()}\n`);
    this.#listing(dirname(stampBase)).add(name);
  }

  /** Forget the stamp so the task runs again. */
  invalidate(stampBase: string, task: string): void {
    const dir = dirname(stampBase);
    const prefix = `${basename(stampBase)}.${task}.`;
    const listing = this.#listing(dir);
    for (const name of [...listing]) {
      if (name.startsWith(prefix) && !name.startsWith(`${prefix}sigdata.`)) {
        rmSync(`${dir}/${name}`, { force: true });
        listing.delete(name);
      }
    }
  }
}
