/**
 * Feed fixtures for tests: small DEB, RPM and IPK feeds built by the real tools
 * (../shared/validators/make-feed-fixtures.sh), laid out as oe-core's deploy/ directories,
 * and the feed validators.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { PACKAGE_ROOT } from '../../engine/core/package-root.js';
import { hasCommand } from './host-tools.js';

export const VALIDATORS = join(PACKAGE_ROOT, '..', 'shared', 'validators');
export const FEED_TOOLS = ['dpkg-deb', 'rpmbuild', 'createrepo_c', 'apt-ftparchive', 'dnf', 'xz'] as const;

/** Which feed tools are missing (empty when the fixtures can be built and checked). */
export function missingFeedTools(): string[] {
  const missing: string[] = FEED_TOOLS.filter((t) => !hasCommand(t));
  if (!existsSync(join(VALIDATORS, 'make-feed-fixtures.sh'))) missing.push('../shared/validators');
  return missing;
}

let built: string | undefined;

/** The fixture feeds as the real tools index them (built once per test process). */
export function referenceFeeds(): string {
  if (built) return built;
  const out = join(mkdtempSync(join(tmpdir(), 'tsbake-feedref-')), 'out');
  const r = spawnSync('bash', [join(VALIDATORS, 'make-feed-fixtures.sh'), out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`make-feed-fixtures.sh failed: ${r.stderr}`);
  built = out;
  return out;
}

const INDEX_FILE = /^(Packages.*|Release|InRelease)$/;

/** A deploy directory holding the reference packages only (no indexes, no morgue), mtimes kept. */
export function deployFromReference(): string {
  const ref = referenceFeeds();
  const deploy = join(mkdtempSync(join(tmpdir(), 'tsbake-deploy-')), 'deploy');
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'repodata' && e.name !== 'morgue') walk(p);
      } else if (!INDEX_FILE.test(e.name)) {
        const target = join(deploy, relative(ref, p));
        mkdirSync(dirname(target), { recursive: true });
        cpSync(p, target, { preserveTimestamps: true });
      }
    }
  };
  walk(ref);
  return deploy;
}

/** Runs validate.sh MODE DIR: exit status and output. */
export function validate(mode: 'deb-feed' | 'rpm-feed' | 'ipk-feed', dir: string): { ok: boolean; output: string } {
  const r = spawnSync('bash', [join(VALIDATORS, 'validate.sh'), mode, dir], { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

export const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();
