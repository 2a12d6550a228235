/**
 * apt and dnf confined to a temp directory: apt reads only an APT_CONFIG we write (never the
 * host's sources or keys), dnf only the repositories given on its command line, with an
 * installroot of its own.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Run {
  readonly status: number | null;
  readonly output: string;
}

/** Runs a client without blocking the event loop (a feed server in this process must keep answering). */
const run = (cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<Run> =>
  new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, ...(cwd ? { cwd } : {}), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, output }));
  });

export interface IsolatedApt {
  readonly root: string;
  readonly env: NodeJS.ProcessEnv;
  aptGet(...args: string[]): Promise<Run>;
}

/**
 * An apt whose sources are `sources` and whose dpkg database is `admindir` (status file
 * included), with `archs` as foreign architectures. Maintainer scripts run on the host with
 * DPKG_ROOT set, or with `chroot` inside the root (a root that has a shell, as an image does).
 */
export function isolatedApt(sources: string, opts: { admindir?: string; archs?: readonly string[]; extra?: string; chroot?: boolean } = {}): IsolatedApt {
  const root = mkdtempSync(join(tmpdir(), 'tsbake-apt-'));
  for (const d of ['etc/apt.conf.d', 'etc/sources.list.d', 'etc/preferences.d', 'etc/trusted.gpg.d', 'state/lists/partial', 'cache/archives/partial', 'log']) mkdirSync(join(root, d), { recursive: true });
  const native = spawnSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).stdout.trim();
  const status = opts.admindir ? join(opts.admindir, 'status') : join(root, 'state', 'status');
  if (!opts.admindir) writeFileSync(status, '');
  const archs = [native, ...(opts.archs ?? []).filter((a) => a !== native && a !== 'all')];
  writeFileSync(join(root, 'etc', 'sources.list'), sources);
  const conf = [
    `Dir::Etc "${root}/etc/";`, 'Dir::Etc::main "apt.conf";', 'Dir::Etc::parts "apt.conf.d";', 'Dir::Etc::sourcelist "sources.list";',
    'Dir::Etc::sourceparts "sources.list.d";', 'Dir::Etc::preferences "preferences";', 'Dir::Etc::preferencesparts "preferences.d";',
    'Dir::Etc::trusted "trusted.gpg";', 'Dir::Etc::trustedparts "trusted.gpg.d";', `Dir::State "${root}/state/";`, `Dir::State::status "${status}";`,
    `Dir::Cache "${root}/cache/";`, `Dir::Log "${root}/log/";`, `APT::Architecture "${native}";`,
    `APT::Architectures { ${archs.map((a) => `"${a}";`).join(' ')} };`, 'APT::Sandbox::User "root";', 'Acquire::Languages "none";', 'Debug::NoLocking "true";',
    ...(opts.admindir ? [`Dir::Bin::dpkg "/usr/bin/dpkg";`, `DPkg::Options { "--admindir=${opts.admindir}"; "--root=${join(opts.admindir, '..', '..', '..')}"; ${opts.chroot ? '' : '"--force-script-chrootless"; '}"--force-not-root"; "--force-depends"; "--log=${root}/log/dpkg.log"; };`] : []),
    opts.extra ?? '',
  ].join('\n');
  writeFileSync(join(root, 'apt.conf'), `${conf}\n`);
  const env = { ...process.env, APT_CONFIG: join(root, 'apt.conf'), DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' };
  return { root, env, aptGet: (...args) => run('apt-get', ['-q', ...args], env, root) };
}

/** dnf with only `repos` (id -> directory) enabled, in `installroot` (default: a fresh one), `env` added to its environment. */
export function isolatedDnf(repos: Readonly<Record<string, string>>, opts: { installroot?: string; setopts?: readonly string[]; env?: NodeJS.ProcessEnv } = {}): (...args: string[]) => Promise<Run> {
  const base = mkdtempSync(join(tmpdir(), 'tsbake-dnf-'));
  writeFileSync(join(base, 'dnf.conf'), '[main]\n');
  const installroot = opts.installroot ?? join(base, 'root');
  const repoArgs = Object.entries(repos).flatMap(([id, dir]) => [`--repofrompath=${id},file://${dir}`, `--enablerepo=${id}`]);
  return async (...args) => {
    const result = await run('dnf', ['-y', '--noplugins', '--releasever=tsbake', `--config=${join(base, 'dnf.conf')}`, '--setopt=reposdir=', `--installroot=${installroot}`, '--disablerepo=*', ...repoArgs, ...(opts.setopts ?? []), ...args], { ...process.env, LC_ALL: 'C', ...opts.env });
    stopKeyAgents(join(installroot, 'var', 'cache', 'dnf'));
    return result;
  };
}

/** dnf checks a repository's signature with a gpg home of its own under its cache, which starts an agent that outlives it. */
function stopKeyAgents(cache: string): void {
  const homes = existsSync(cache) ? readdirSync(cache).map((repo) => join(cache, repo, 'pubring')).filter((home) => existsSync(home)) : [];
  for (const home of homes) spawnSync('gpgconf', ['--homedir', home, '--kill', 'gpg-agent'], { stdio: 'ignore' });
}
