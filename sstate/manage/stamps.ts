/**
 * --stamps-dir: the hashes the stamps of one or more build directories refer to. Stamps live
 * in STAMPS_DIR/<arch>/<PN>/ (oe-core's script looks exactly there); files up to three levels
 * down count, so a STAMPS_DIR or one arch directory of it both work. Symlinked directories
 * are not entered. Any directory that cannot be read is an error: a stamp missed is an
 * object removed that a build still uses.
 */
import { readdirSync } from 'node:fs';
import { requireDirectory, SstateDirError } from './errors.js';
import { stampHash } from './stamp-name.js';

const MAX_DEPTH = 3;

export interface StampScan {
  readonly hashes: Set<string>;
  /** Files that named a hash, per stamps directory as given. */
  readonly stampsPerDir: ReadonlyMap<string, number>;
}

export function referencedHashes(dirs: readonly string[]): StampScan {
  const hashes = new Set<string>();
  const stampsPerDir = new Map<string, number>();
  for (const top of dirs) {
    requireDirectory(top, 'the stamps directory', 'pass the STAMPS_DIR of a build directory (tmp/stamps)');
    let count = 0;
    const visit = (dir: string, depth: number): void => {
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch (e) {
        throw new SstateDirError(`cannot read the stamps directory ${dir}: ${e instanceof Error ? e.message : String(e)}`, undefined, 'nothing was removed');
      }
      for (const e of entries) {
        if (e.isDirectory()) {
          if (depth < MAX_DEPTH) visit(`${dir}/${e.name}`, depth + 1);
          continue;
        }
        const hash = stampHash(e.name);
        if (hash === undefined) continue;
        hashes.add(hash);
        count++;
      }
    };
    visit(top, 1);
    stampsPerDir.set(top, count);
  }
  return { hashes, stampsPerDir };
}
