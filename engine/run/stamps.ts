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

/** A stamp directory's names, and (made on first use) the same names grouped by everything before their last dot (`<base>.<task>.`). */
interface Listing {
  readonly names: Set<string>;
  groups: Map<string, Set<string>> | undefined;
}

const groupOf = (name: string): string => name.slice(0, name.lastIndexOf('.') + 1);

interface TaskStamps {
  readonly dir: string;
  readonly prefix: string;
  readonly listing: Listing;
  readonly names: Set<string>;
}

export class StampIndex {
  readonly #dirs = new Map<string, Listing>();

  #listing(dir: string): Listing {
    let listing = this.#dirs.get(dir);
    if (!listing) {
      let names: string[] = [];
      try {
        names = readdirSync(dir);
      } catch {
        // no stamps yet
      }
      listing = { names: new Set(names), groups: undefined };
      this.#dirs.set(dir, listing);
    }
    return listing;
  }

  #group(listing: Listing, prefix: string): Set<string> {
    if (!listing.groups) {
      listing.groups = new Map();
      for (const name of listing.names) this.#groupSet(listing.groups, groupOf(name)).add(name);
    }
    return this.#groupSet(listing.groups, prefix);
  }

  #groupSet(groups: Map<string, Set<string>>, prefix: string): Set<string> {
    let group = groups.get(prefix);
    if (!group) {
      group = new Set();
      groups.set(prefix, group);
    }
    return group;
  }

  /** Per stamp base and task: a no-op build asks about every task several times. */
  readonly #tasks = new Map<string, Map<string, TaskStamps>>();

  /** The stamps (any hash) and the taint of one task: a small set even when every recipe shares the directory. */
  #task(stampBase: string, task: string): TaskStamps {
    let byTask = this.#tasks.get(stampBase);
    if (!byTask) {
      byTask = new Map();
      this.#tasks.set(stampBase, byTask);
    }
    let found = byTask.get(task);
    if (!found) {
      const dir = dirname(stampBase);
      const prefix = `${basename(stampBase)}.${task}.`;
      const listing = this.#listing(dir);
      found = { dir, prefix, listing, names: this.#group(listing, prefix) };
      byTask.set(task, found);
    }
    return found;
  }

  /** Whether `name` is in the stamp directory of `stampBase`: one readdir per directory, no grouping. */
  #has(stampBase: string, name: string): boolean {
    return this.#listing(dirname(stampBase)).names.has(`${basename(stampBase)}.${name}`);
  }

  isCurrent(stampBase: string, task: string, taskhash: string): boolean {
    return this.#has(stampBase, `${task}.${taskhash}`);
  }

  /** Records a successful run, and drops older stamps (other hashes) of the same task. */
  write(stampBase: string, task: string, taskhash: string): void {
    const { dir, prefix, listing, names } = this.#task(stampBase, task);
    for (const name of [...names]) {
      if (name !== `${prefix}taint` && name !== prefix + taskhash) {
        rmSync(`${dir}/${name}`, { force: true });
        names.delete(name);
        listing.names.delete(name);
      }
    }
    // A stamp is empty, so creating it cannot leave a half-written file: no temp + rename.
    ensureDir(dir);
    writeFileSync(stampFile(stampBase, task, taskhash), '');
    names.add(prefix + taskhash);
    listing.names.add(prefix + taskhash);
  }

  /** The taint `-C` left on a task (it changes the task's hash, so dependents rerun too). */
  taint(stampBase: string, task: string): string | undefined {
    if (!this.#has(stampBase, `${task}.taint`)) return undefined;
    try {
      return readFileSync(`${stampBase}.${task}.taint`, 'utf8').trim() || undefined;
    } catch {
      return undefined;
    }
  }

  /** `-C`: taint the task with a fresh nonce, so it and everything after it run again. */
  taintTask(stampBase: string, task: string): void {
    const { dir, prefix, listing, names } = this.#task(stampBase, task);
    writeFileAtomic(`${dir}/${prefix}taint`, `nostamp:${randomUUID()}\n`);
    names.add(`${prefix}taint`);
    listing.names.add(`${prefix}taint`);
  }

  /** Forget the stamp so the task runs again. */
  invalidate(stampBase: string, task: string): void {
    const { dir, listing, names } = this.#task(stampBase, task);
    for (const name of [...names]) {
      rmSync(`${dir}/${name}`, { force: true });
      names.delete(name);
      listing.names.delete(name);
    }
  }
}
