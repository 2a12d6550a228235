/**
 * A journal of the tasks a build starts, in TMPDIR. A build that ends normally removes it;
 * one that was killed (kill -9) leaves it, and the next build reports the tasks that started
 * but never wrote their stamp. (They run again anyway: a stamp is written only on success.)
 */
import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { ensureDir } from '../core/fs.js';

export class TaskJournal {
  readonly #path: string;

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
    rmSync(this.#path, { force: true });
  }

  /** One line per started task: its id and the stamp that will say it finished. */
  started(id: string, stamp: string): void {
    appendFileSync(this.#path, `${id}\t${stamp}\n`);
  }

  close(): void {
    rmSync(this.#path, { force: true });
  }
}
