/**
 * Fetch layout against real BitBake 2.19: each case in tests/fetch-cases (made by
 * tests/fetch-cases/generate.py, which ran BitBake's own do_fetch/do_unpack on the case's
 * files) holds the file tree BitBake left in DL_DIR and in each recipe's UNPACKDIR, and for a
 * failed run the task that failed and the fetch2 exception. tsbake, run on the same files
 * against the same local upstream (an HTTP server, file:// mirrors, git repositories made with
 * fixed dates so their commits match), must leave the same trees and fail the same tasks.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PACKAGE_ROOT } from '../engine/core/package-root.js';
import { bakeAsync } from './fetch/fetch-layer.js';
import { startHttp, type Route, type TestServer } from './fetch/servers.js';

const CASES = join(PACKAGE_ROOT, 'tests', 'fetch-cases');
/** The cases generate.py makes today: fewer means some went missing. */
const KNOWN_CASES = 111;

type Data = string | { readonly base64: string };

interface Failure {
  readonly tasks: readonly string[];
  readonly classes: readonly string[];
}

interface Run {
  readonly args: readonly string[];
  readonly conf: string;
  readonly offline: boolean;
  readonly status: number;
  readonly failure?: Failure;
}

interface FetchCase {
  /** BitBake ran as root and what it left depends on that (GNU tar keeps archived modes for root only). */
  readonly superuser?: boolean;
  readonly name: string;
  readonly description: string;
  readonly files: Readonly<Record<string, Data>>;
  /** Octal modes of some of `files` (or of their directories). */
  readonly modes?: Readonly<Record<string, string>>;
  readonly http: Readonly<Record<string, Data>>;
  readonly upstream: Readonly<Record<string, Data>>;
  readonly git: Readonly<Record<string, ReadonlyArray<{ readonly files: Readonly<Record<string, string>>; readonly message: string; readonly tag?: string; readonly submodules?: Readonly<Record<string, string>> }>>>;
  readonly revs: Readonly<Record<string, readonly string[]>>;
  readonly runs: readonly Run[];
  readonly downloads: readonly string[];
  readonly sources: Readonly<Record<string, readonly string[]>>;
}

const cases: FetchCase[] = readdirSync(CASES)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(CASES, f), 'utf8')) as FetchCase);

const bytes = (d: Data): Buffer => (typeof d === 'string' ? Buffer.from(d) : Buffer.from(d.base64, 'base64'));

function write(path: string, data: Buffer): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
}

/** generate.py's fixed identity and dates, so each commit is the one the case names. */
const GIT_ENV = { GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.com', GIT_AUTHOR_DATE: '2020-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2020-01-01T00:00:00Z' };

function makeGit(path: string, history: FetchCase['git'][string]): string[] {
  const git = (...args: string[]): string => {
    const r = spawnSync('git', ['-c', 'init.defaultBranch=main', ...args], { cwd: path, encoding: 'utf8', env: { ...process.env, ...GIT_ENV } });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };
  mkdirSync(path, { recursive: true });
  git('init', '-q');
  const revs: string[] = [];
  for (const c of history) {
    for (const name of readdirSync(path)) if (name !== '.git') rmSync(join(path, name), { recursive: true });
    for (const [rel, text] of Object.entries(c.files)) write(join(path, rel), Buffer.from(text));
    for (const [sub, url] of Object.entries(c.submodules ?? {})) git('-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', url, sub);
    git('add', '-A');
    git('commit', '-qm', c.message);
    if (c.tag) git('tag', c.tag);
    revs.push(git('rev-parse', 'HEAD'));
  }
  return revs;
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** The same listing as generate.py's tree(). */
function tree(root: string, upstream: string): string[] {
  const out: string[] = [];
  const dotted = upstream.slice(1).replaceAll('/', '.');
  const root0 = dirname(upstream).slice(1);
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const p = join(root, r);
      if (name.endsWith('.lock')) continue;
      const parts = r.split('/');
      if (parts.some((_, i) => root0.startsWith(`${parts.slice(i).join('/')}/`))) {
        walk(r); // a directory above the temporary root (an absolute file:// path): only its content
        continue;
      }
      const shown = r.replaceAll(root0, '@ROOT@').replaceAll(dotted, '@UPSTREAM@');
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out.push(`${shown} -> ${readlinkSync(p).replaceAll(upstream, '@UPSTREAM@').replaceAll(join(dirname(upstream), 'build'), '@BUILD@').replaceAll(dotted, '@UPSTREAM@')}`);
      else if (st.isDirectory()) {
        if (name === '.git' || rel === 'git2' || (existsSync(join(p, 'HEAD')) && existsSync(join(p, 'objects')))) {
          out.push(`${shown}/ (git)`);
          // A shallow clone: its boundary commits say its depth.
          if (existsSync(join(p, 'shallow'))) out.push(`${shown}/shallow ${sha256(readFileSync(join(p, 'shallow'))).slice(0, 16)}`);
        } else {
          out.push(`${shown}/`);
          walk(r);
        }
      } else if (/^(git2|gitshallow|gitsmshallow)_/.test(name) && !name.endsWith('.done')) out.push(shown);
      else {
        const data = readFileSync(p);
        out.push(`${shown} ${(st.mode & 0o777).toString(8)} ${data.length} ${sha256(data).slice(0, 16)}`);
      }
    }
  };
  if (existsSync(root)) walk('');
  return out;
}

/**
 * tsbake's messages, each with the fetch2 exceptions BitBake raises for the same failure: its
 * errors are typed differently (a checksum mismatch on every source is BitBake's FetchError
 * "Unable to fetch URL from any source", a missing one a BBFetchException).
 */
const MESSAGE_CLASSES: ReadonlyArray<readonly [RegExp, readonly string[]]> = [
  [/network access disabled/i, ['NetworkAccess']],
  [/missing checksum/i, ['BBFetchException', 'NoChecksumError']],
  [/checksum mismatch/i, ['FetchError', 'ChecksumError']],
  [/does not set a branch parameter|using globbing are no longer supported/, ['ParameterError']],
  [/unable to fetch .* from any source/, ['FetchError']],
  [/cannot unpack|unzip failed|(gzip|bzip2|xz|zstd) failed|is not inside the unpack directory|invalid value for the '\w+' parameter/, ['UnpackError']],
];

/** The tasks tsbake failed (pn:do_task, or 'parse' when it failed before any task ran) and the classes its messages stand for. */
function failure(out: string): { tasks: string[]; classes: Set<string> } {
  const tasks = [...new Set([...out.matchAll(/^ERROR: Task \(([^)]+?\.bb):(do_\w+)\) failed/gm)].map((m) => `${(m[1] ?? '').split('/').pop()?.split('_')[0] ?? ''}:${m[2] ?? ''}`))].sort();
  return { tasks: tasks.length ? tasks : ['parse'], classes: new Set(MESSAGE_CLASSES.filter(([re]) => re.test(out)).flatMap(([, cls]) => cls)) };
}

/**
 * What BitBake leaves in DL_DIR after a download that failed in do_fetch and tsbake does not:
 * wget's `<name>.tmp`, and the unstamped file itself when BB_STRICT_CHECKSUM = "1" rejects it
 * for want of a checksum. tsbake checks a download before it moves it into place and removes
 * what failed; neither tool would trust the leftovers.
 */
function withoutFailedDownloads(downloads: readonly string[], runs: readonly Run[]): readonly string[] {
  if (!runs.some((r) => r.failure?.tasks.some((task) => task.endsWith(':do_fetch')))) return downloads;
  const fileOf = (l: string): string | undefined => /^(\S+) \d+ \d+ [0-9a-f]+$/.exec(l)?.[1];
  const stamped = new Set(downloads.map(fileOf).filter((f) => f?.endsWith('.done')).map((f) => f?.slice(0, -'.done'.length)));
  return downloads.filter((l) => {
    const file = fileOf(l);
    return file === undefined || (!file.endsWith('.tmp') && (file.includes('/') || file.endsWith('.done') || stamped.has(file)));
  });
}

for (const c of cases) {
  test.serial(`${c.name}: ${c.description}`, async (t) => {
    if (c.superuser && process.geteuid?.() !== 0) {
      t.log('generated as root; not comparable when not running as root');
      t.pass();
      return;
    }
    const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'tsbake-fcase-')));
    const upstream = join(tmp, 'upstream');
    const layer = join(tmp, 'build');
    for (const [name, history] of Object.entries(c.git)) t.deepEqual(makeGit(join(upstream, 'git', name), history), c.revs[name], `${name}: the commits generate.py made`);
    const routes = new Map<string, Route>(Object.entries(c.http).map(([rel, d]) => [`/${rel}`, { kind: 'file', data: bytes(d) }]));
    let server: TestServer | undefined = await startHttp(routes);
    t.teardown(() => server?.close());
    const fill = (text: string): string => text.replaceAll('@HTTP@', server?.url ?? '').replaceAll('@HTTPHOSTPORT@', server?.url.slice('http://'.length) ?? '').replaceAll('@UPSTREAM@', upstream);
    // @UPSTREAMDOTS@: the upstream directory as a git2 name (a mirror tarball of a file:// repository).
    for (const [rel, d] of Object.entries(c.upstream)) write(join(upstream, rel.replaceAll('@UPSTREAMDOTS@', upstream.slice(1).replaceAll('/', '.'))), bytes(d));
    for (const [rel, d] of Object.entries(c.files)) write(join(layer, rel), typeof d === 'string' ? Buffer.from(fill(d)) : bytes(d));
    for (const [rel, mode] of Object.entries(c.modes ?? {})) chmodSync(join(layer, rel), Number.parseInt(mode, 8));
    for (const run of c.runs) {
      if (run.offline && server) {
        await server.close();
        server = undefined;
      }
      writeFileSync(join(layer, 'conf/local.conf'), fill(run.conf));
      const r = await bakeAsync(layer, run.args);
      const what = `tsbake ${run.args.join(' ')}:\n${r.out}`;
      t.is(r.code === 0 ? 0 : 1, run.status, what);
      if (run.failure) {
        const got = failure(r.out);
        t.deepEqual(got.tasks, run.failure.tasks, what);
        t.true(run.failure.classes.length === 0 || run.failure.classes.some((cl) => got.classes.has(cl)), `BitBake raised ${run.failure.classes.join(', ')}; ${what}`);
      }
    }
    t.deepEqual(tree(join(layer, 'downloads'), upstream), withoutFailedDownloads(c.downloads, c.runs), 'DL_DIR');
    const work = join(layer, 'tmp', 'work');
    const sources = Object.fromEntries((existsSync(work) ? readdirSync(work).sort() : []).map((pf) => [pf, tree(join(work, pf, 'sources'), upstream)]));
    t.deepEqual(sources, c.sources, 'UNPACKDIR');
  });
}

test('every case generate.py makes is here', (t) => {
  t.is(cases.length, KNOWN_CASES);
});
