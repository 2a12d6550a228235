/**
 * One build directory, one tsbake. The lock file holds the owner's pid; a lock whose pid is
 * gone (a killed run) is taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { TsbakeError } from '../core/errors.js';

export class BuildLockedError extends TsbakeError {
  readonly code = 'E_LOCKED';
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class BuildLock {
  readonly path: string;
  #held = false;

  private constructor(path: string) {
    this.path = path;
  }

  static acquire(topdir: string): BuildLock {
    const path = join(topdir, 'tsbake.lock');
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        writeSync(fd, `${process.pid}\n`);
        closeSync(fd);
        const lock = new BuildLock(path);
        lock.#held = true;
        return lock;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      let owner = Number.NaN;
      try {
        owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
      } catch {
        continue;
      }
      if (Number.isFinite(owner) && owner !== process.pid && alive(owner)) {
        throw new BuildLockedError(`another tsbake (pid ${owner}) is using ${topdir}`, undefined, 'wait for it to finish');
      }
      rmSync(path, { force: true });
    }
    throw new BuildLockedError(`cannot take the lock ${path}`);
  }

  release(): void {
    if (!this.#held) return;
    this.#held = false;
    rmSync(this.path, { force: true });
  }
}
