/**
 * What no build needs any more: objects no stamp names (--stamps-dir), companions whose
 * archive is gone and temp files no writer will rename (--remove-orphans). Pure.
 */
import { objectFiles, type CacheFile, type SstateObject, type TempFile } from './catalogue.js';

/** Objects whose hash no stamp, setscene stamp or sigdata file refers to (all their files go). */
export function unreferencedObjects(objects: readonly SstateObject[], referenced: ReadonlySet<string>): SstateObject[] {
  return objects.filter((o) => !referenced.has(o.name.hash));
}

/** `.siginfo` and `.done` files whose archive is not beside them. */
export function orphanFiles(objects: readonly SstateObject[]): CacheFile[] {
  return objects.filter((o) => !o.archive).flatMap(objectFiles);
}

/** A temp file this old is stale whoever wrote it. */
export const TEMP_MAX_AGE_MS = 24 * 60 * 60 * 1000;
/**
 * A temp file whose writer's pid is not running here is stale once it has not been written
 * for this long. The wait protects writers the pid check cannot see: another host sharing
 * the cache over NFS, or another pid namespace (containers sharing one cache directory).
 */
export const DEAD_WRITER_GRACE_MS = 10 * 60 * 1000;

export interface TempPolicy {
  readonly now: number;
  /** Whether a process with this pid runs on this host. */
  readonly isAlive: (pid: number) => boolean;
}

export function staleTemps(temps: readonly TempFile[], policy: TempPolicy): TempFile[] {
  return temps.filter((t) => {
    const mtime = t.file.mtimeMs;
    if (mtime === undefined) return false;
    const idle = policy.now - mtime;
    return idle > TEMP_MAX_AGE_MS || (idle > DEAD_WRITER_GRACE_MS && !policy.isAlive(t.pid));
  });
}
