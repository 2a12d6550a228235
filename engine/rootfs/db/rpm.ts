/**
 * The RPM backend: the host's `rpm` unpacks each package into the rootfs and registers it in
 * the rootfs's own rpmdb (`rpm --root <rootfs> -i --noscripts --nodeps`), as oe-core uses the
 * real package manager at rootfs time. tsbake runs the scriptlets itself, in its order and
 * under the `$D` rules, so rpm is told to run none. The result is an rpmdb that the target's
 * `rpm -qa` and `rpm -V` read.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnInGroup } from '../../core/proc.js';
import { TsbakeError } from '../../core/errors.js';
import type { PackageSpec } from '../../package/model/spec.js';
import type { InstalledPackage, MaintainerScript, OpenedPackage, RootfsBackend } from '../backend.js';
import type { UnpackedEntry } from '../unpack.js';

export const RPM_DB_DIR = '/var/lib/rpm';

export class RpmToolError extends TsbakeError {
  readonly code = 'E_RPM_TOOL';
}

const SEP = '\x1f';
/** The rpm tags of each scriptlet and its interpreter. */
const SCRIPT_TAGS: ReadonlyArray<readonly [MaintainerScript, string, string]> = [
  ['preinst', 'PREIN', 'PREINPROG'],
  ['postinst', 'POSTIN', 'POSTINPROG'],
  ['prerm', 'PREUN', 'PREUNPROG'],
  ['postrm', 'POSTUN', 'POSTUNPROG'],
];
const QUERY = ['%{ARCH}', '%|EPOCH?{%{EPOCH}:}|%{VERSION}-%{RELEASE}', ...SCRIPT_TAGS.flatMap(([, body, prog]) => [`%|${body}?{%{${body}}}|`, `%|${prog}?{%{${prog}}}|`])].join(SEP);

export function runRpm(args: readonly string[], env: Readonly<Record<string, string>>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawnInGroup('rpm', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (c: Buffer) => out.push(c));
    child.stderr?.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new RpmToolError(`rpm ${args.join(' ')} failed (exit code ${String(code)}):\n${Buffer.concat(err).toString('utf8').trimEnd()}`));
    });
  });
}

class RpmBackend implements RootfsBackend {
  readonly format = 'rpm';
  readonly scriptArgs = { preinst: ['1'], postinst: ['1'] } as const;
  readonly dataDirs = [RPM_DB_DIR, '/var/lib/dnf', '/var/cache/dnf', '/etc/dnf', '/etc/rpm'];

  constructor(
    readonly root: string,
    readonly env: Readonly<Record<string, string>>,
  ) {}

  async open(spec: PackageSpec, file: string): Promise<OpenedPackage> {
    const fields = (await runRpm(['-qp', '--nosignature', '--nodigest', '--qf', QUERY, file], this.env)).split(SEP);
    const scripts: Partial<Record<MaintainerScript, string>> = {};
    SCRIPT_TAGS.forEach(([name], i) => {
      const body = fields[2 + 2 * i] ?? '';
      const prog = fields[3 + 2 * i] || '/bin/sh';
      if (body !== '') scripts[name] = `#!${prog}\n${body}\n`;
    });
    return { spec, file, arch: fields[0] ?? '', version: fields[1] ?? '', scripts };
  }

  async unpack(pkg: OpenedPackage): Promise<readonly UnpackedEntry[]> {
    const replace = pkg.spec.relations.replaces.length > 0 ? ['--replacefiles'] : [];
    await runRpm(['--root', this.root, '--dbpath', RPM_DB_DIR, '-i', '--nodeps', '--noscripts', '--notriggers', '--ignorearch', '--ignoreos', '--nosignature', '--nodigest', ...replace, pkg.file], this.env);
    return [];
  }

  /**
   * rpm registered each package as it unpacked it (rpm has no "unpacked" state to record);
   * what is left is folding sqlite's write-ahead log into the database, so the image holds
   * one file whose bytes depend only on what was installed.
   */
  commit(_packages: readonly InstalledPackage[]): Promise<void> {
    const file = join(this.root, RPM_DB_DIR, 'rpmdb.sqlite');
    if (existsSync(file)) {
      const db = new Database(file);
      try {
        db.pragma('wal_checkpoint(TRUNCATE)');
        db.pragma('journal_mode = DELETE');
      } finally {
        db.close();
      }
    }
    return Promise.resolve();
  }
}

export const rpmBackend = (root: string, env: Readonly<Record<string, string>>): RootfsBackend => new RpmBackend(root, env);
