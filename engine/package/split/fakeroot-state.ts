/**
 * fakeroot's save file (`fakeroot -s FILE`, which the executor uses for do_install): one line
 * per inode that was changed under fakeroot, `dev=<hex>,ino=<dec>,mode=<octal>,uid=<dec>,
 * gid=<dec>,nlink=<dec>,rdev=<dec>`. It holds what `do_install` believed about owners and
 * modes; an inode that is not in it belongs to root with its real mode.
 */
import { readFileSync } from 'node:fs';

export interface FakeInode {
  /** Full st_mode, type bits included. */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly rdev: number;
}

export type FakerootState = ReadonlyMap<string, FakeInode>;

export const inodeKey = (dev: number, ino: number): string => `${dev}:${ino}`;

export function parseFakerootState(text: string): FakerootState {
  const out = new Map<string, FakeInode>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const f = new Map(line.split(',').map((kv) => kv.split('=', 2) as [string, string]));
    const dev = Number.parseInt(f.get('dev') ?? '', 16);
    const ino = Number(f.get('ino'));
    const mode = Number.parseInt(f.get('mode') ?? '', 8);
    if (!Number.isFinite(dev) || !Number.isFinite(ino) || !Number.isFinite(mode)) continue;
    out.set(inodeKey(dev, ino), { mode, uid: Number(f.get('uid') ?? 0), gid: Number(f.get('gid') ?? 0), rdev: Number(f.get('rdev') ?? 0) });
  }
  return out;
}

/** The state file of a recipe, or an empty state when do_install did not run under fakeroot. */
export function readFakerootState(file: string): FakerootState {
  try {
    return parseFakerootState(readFileSync(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw e;
  }
}
