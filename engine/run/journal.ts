/**
 * A journal of the tasks a build starts, in TMPDIR. A build that ends normally removes it;
 * one that was killed (kill -9) leaves it, and the next build reports the tasks that started
 * but never wrote their stamp. (They run again anyway: a stamp is written only on success.)
 */
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ensureDir } from '../core/fs.js';

export class TaskJournal {
  readonly #path: string;
  /** Open for the whole build: one append per task, no open/close. */
  #fd: number | undefined;

  constructor(path: string) {
    this.#path = path;
  }

  /** Tasks a previous, killed build started and never finished. */
  interruptedBefore(): string[] {
    let text: string;
    try {
      text = readFileSync(this.#path, 'utf8');
    } catch {
      return [];
    }
    const out = new Set<string>();
    for (const line of text.split('\n')) {
      const [id, stamp] = line.split('\t');
      if (id && stamp && !existsSync(stamp)) out.add(id);
    }
    return [...out].sort();
  }

  begin(): void {
    ensureDir(dirname(this.#path));
    this.#fd = openSync(this.#path, 'w');
  }

  /** One line per started task: its id and the stamp that will say it finished. */
  started(id: string, stamp: string): void {
    if (this.#fd !== undefined) writeSync(this.#fd, `${id}\t${stamp}\n`);
  }

  /** The build ended: keep the journal only when `interrupted` (the next run reports it). */
  end(interrupted: boolean): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
    if (!interrupted) rmSync(this.#path, { force: true });
  }
}
