/**
 * A journal of started and finished tasks in TMPDIR. A build that ends normally removes it;
 * one that was killed (kill -9) leaves it, and the next build reports the tasks that were
 * interrupted. (They run again anyway: a stamp is written only after success.)
 */
import { appendFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';

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
    const open = new Set<string>();
    for (const line of text.split('\n')) {
      const [what, id] = [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1)];
      if (what === 'start') open.add(id);
      else if (what === 'end') open.delete(id);
    }
    return [...open].sort();
  }

  begin(): void {
    mkdirSync(dirname(this.#path), { recursive: true });
    rmSync(this.#path, { force: true });
  }

  started(id: string): void {
    appendFileSync(this.#path, `start ${id}\n`);
  }

  ended(id: string): void {
    appendFileSync(this.#path, `end ${id}\n`);
  }

  close(): void {
    rmSync(this.#path, { force: true });
  }
}
