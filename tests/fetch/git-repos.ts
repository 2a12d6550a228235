/** Local git repositories for the fetcher tests. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `git args` in `cwd` with a test identity; returns the trimmed output. */
export function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', '-c', 'protocol.file.allow=always', ...args], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

export interface Superproject {
  readonly base: string;
  readonly top: string;
  readonly topRev: string;
  /** The commits the superproject records for libs/sub and for libs/sub's deep. */
  readonly subRev: string;
  readonly deepRev: string;
}

/**
 * `<base>/top.git` with submodule libs/sub (`../sub.git`, relative) which has submodule deep
 * (`../deep.git`); sub.git gets a commit after it was recorded, which must not be used.
 */
export function superproject(): Superproject {
  const base = mkdtempSync(join(tmpdir(), 'tsbake-gitsm-'));
  const repo = (name: string, file: string): string => {
    const dir = join(base, name);
    git(base, 'init', '-q', dir);
    writeFileSync(join(dir, file), `${name}\n`);
    git(dir, 'add', file);
    git(dir, 'commit', '-qm', name);
    return dir;
  };
  repo('deep.git', 'deep.txt');
  const sub = repo('sub.git', 'sub.txt');
  git(sub, 'submodule', 'add', '-q', '../deep.git', 'deep');
  git(sub, 'commit', '-qm', 'deep');
  const top = repo('top.git', 'top.txt');
  git(top, 'submodule', 'add', '-q', '../sub.git', 'libs/sub');
  git(top, 'commit', '-qm', 'sub');
  const subRev = git(sub, 'rev-parse', 'HEAD');
  const deepRev = git(join(base, 'deep.git'), 'rev-parse', 'HEAD');
  writeFileSync(join(sub, 'sub.txt'), 'later\n');
  git(sub, 'commit', '-qam', 'later');
  return { base, top, topRev: git(top, 'rev-parse', 'HEAD'), subRev, deepRev };
}
