import test from 'ava';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FetchError, NetworkAccessError } from '../../engine/fetch/errors.js';
import { startRevisionCache } from '../../engine/fetch/srcrev.js';
import { hasCommand, requireTool } from '../helpers/host-tools.js';
import { git } from './git-repos.js';
import { fetchLayer, fetchRecipe, unpackRecipe } from './fetch-layer.js';
import { startGitDaemon } from './servers.js';

/** A repository `<base>/repo.git` with two commits on main (the first tagged v1.0) and one on `dev`. */
function repository(): { base: string; repo: string; first: string; second: string; dev: string } {
  const base = mkdtempSync(join(tmpdir(), 'tsbake-git-'));
  const repo = join(base, 'repo.git');
  git(base, 'init', '-q', repo);
  writeFileSync(join(repo, 'VERSION'), '1.0\n');
  git(repo, 'add', 'VERSION');
  git(repo, 'commit', '-qm', 'one');
  git(repo, 'tag', 'v1.0');
  const first = git(repo, 'rev-parse', 'HEAD');
  writeFileSync(join(repo, 'VERSION'), '1.1\n');
  git(repo, 'commit', '-qam', 'two');
  const second = git(repo, 'rev-parse', 'HEAD');
  git(repo, 'checkout', '-qb', 'dev');
  writeFileSync(join(repo, 'VERSION'), 'dev\n');
  git(repo, 'commit', '-qam', 'dev');
  const dev = git(repo, 'rev-parse', 'HEAD');
  git(repo, 'checkout', '-q', 'main');
  return { base, repo, first, second, dev };
}

const sources = (layer: string): string => join(layer, 'tmp/work/app/sources');

test('git protocol=file: a bare mirror clone in git2/<host>.<path>, SRCREV checked out in ${UNPACKDIR}/${BP}', async (t) => {
  if (!requireTool(t, hasCommand('git'), 'git (Debian package git)')) return;
  const r = repository();
  const layer = fetchLayer({ 'app_1.0': `SRC_URI = "git://${r.repo};protocol=file;branch=main"\nSRCREV = "${r.first}"\n` });
  await fetchRecipe(layer, 'app_1.0');
  const name = r.repo.slice(1).replaceAll('/', '.');
  t.true(existsSync(join(layer, 'downloads/git2', name, 'HEAD')));
  t.true(existsSync(join(layer, `downloads/git2/${name}.done`)));
  await unpackRecipe(layer, 'app_1.0');
  t.is(readFileSync(join(sources(layer), 'app-1.0/VERSION'), 'utf8'), '1.0\n');
  t.is(git(join(sources(layer), 'app-1.0'), 'rev-parse', 'HEAD'), r.first);
});

test('a tag in SRCREV is resolved to its commit; destsuffix= and nobranch=1 work', async (t) => {
  if (!requireTool(t, hasCommand('git'), 'git (Debian package git)')) return;
  const r = repository();
  const layer = fetchLayer({ 'app_1.0': `SRC_URI = "git://${r.repo};protocol=file;branch=main;destsuffix=src"\nSRCREV = "v1.0"\n`, 'dev_1.0': `SRC_URI = "git://${r.repo};protocol=file;nobranch=1"\nSRCREV = "${r.dev}"\n` });
  const run = await fetchRecipe(layer, 'app_1.0');
  t.true(run.log.some((l) => l.includes(`using ${r.first} (v1.0)`)), run.log.join('\n'));
  await unpackRecipe(layer, 'app_1.0');
  t.is(readFileSync(join(sources(layer), 'src/VERSION'), 'utf8'), '1.0\n');
  await fetchRecipe(layer, 'dev_1.0');
  await unpackRecipe(layer, 'dev_1.0');
  t.is(readFileSync(join(layer, 'tmp/work/dev/sources/dev-1.0/VERSION'), 'utf8'), 'dev\n');
});

test('a SRCREV not on the branch, a missing branch= and a missing SRCREV are errors', async (t) => {
  if (!requireTool(t, hasCommand('git'), 'git (Debian package git)')) return;
  const r = repository();
  const layer = fetchLayer({
    'app_1.0': `SRC_URI = "git://${r.repo};protocol=file;branch=main"\nSRCREV = "${r.dev}"\n`,
    'nob_1.0': `SRC_URI = "git://${r.repo};protocol=file"\nSRCREV = "${r.first}"\n`,
    'nor_1.0': `SRC_URI = "git://${r.repo};protocol=file;branch=main"\n`,
  });
  await t.throwsAsync(fetchRecipe(layer, 'app_1.0'), { instanceOf: FetchError, message: /unable to fetch|not there/ });
  await t.throwsAsync(fetchRecipe(layer, 'nob_1.0'), { instanceOf: FetchError, message: /branch parameter or nobranch=1/ });
  await t.throwsAsync(fetchRecipe(layer, 'nor_1.0'), { instanceOf: FetchError, message: /set a valid SRCREV/ });
});

test('BB_GENERATE_MIRROR_TARBALLS writes git2_<name>.tar.gz; with BB_NO_NETWORK a build starts from it alone', async (t) => {
  if (!requireTool(t, hasCommand('git'), 'git (Debian package git)')) return;
  const r = repository();
  const daemon = await startGitDaemon(r.base);
  t.teardown(() => daemon.close());
  const url = `git://127.0.0.1:${daemon.port}/repo.git;branch=main`;
  const layer = fetchLayer({ 'app_1.0': `SRC_URI = "${url}"\nSRCREV = "${r.second}"\n` }, {}, 'BB_GENERATE_MIRROR_TARBALLS = "1"\n');
  await fetchRecipe(layer, 'app_1.0');
  const tarball = `git2_127.0.0.1.${daemon.port}.repo.git.tar.gz`;
  t.true(readdirSync(join(layer, 'downloads')).includes(tarball));
  t.true(existsSync(join(layer, `downloads/${tarball}.done`)));
  // Another machine: only the tarball in DL_DIR, no network.
  const offline = fetchLayer({ 'app_1.0': `SRC_URI = "${url}"\nSRCREV = "${r.second}"\n` }, {}, 'BB_NO_NETWORK = "1"\n');
  await t.throwsAsync(fetchRecipe(offline, 'app_1.0'), { instanceOf: NetworkAccessError, message: new RegExp(`git2/127\\.0\\.0\\.1\\.${daemon.port}\\.repo\\.git`) });
  rmSync(join(offline, 'downloads'), { recursive: true, force: true });
  renameSync(join(layer, 'downloads'), join(offline, 'downloads'));
  rmSync(join(offline, 'downloads/git2'), { recursive: true });
  await fetchRecipe(offline, 'app_1.0');
  await unpackRecipe(offline, 'app_1.0');
  t.is(readFileSync(join(sources(offline), 'app-1.0/VERSION'), 'utf8'), '1.1\n');
});

test('git:// through git daemon on loopback; a new SRCREV updates the clone with git fetch', async (t) => {
  if (!requireTool(t, hasCommand('git'), 'git (Debian package git)')) return;
  const r = repository();
  const daemon = await startGitDaemon(r.base);
  t.teardown(() => daemon.close());
  const layer = fetchLayer({ 'app_1.0': `SRC_URI = "git://127.0.0.1:${daemon.port}/repo.git;branch=main"\nSRCREV = "${r.first}"\n` });
  await fetchRecipe(layer, 'app_1.0');
  writeFileSync(join(r.repo, 'VERSION'), '1.2\n');
  git(r.repo, 'commit', '-qam', 'three');
  const third = git(r.repo, 'rev-parse', 'HEAD');
  writeFileSync(join(layer, 'recipes/app_1.0.bb'), `SRC_URI = "git://127.0.0.1:${daemon.port}/repo.git;branch=main"\nSRCREV = "${third}"\n`);
  await fetchRecipe(layer, 'app_1.0');
  await unpackRecipe(layer, 'app_1.0');
  t.is(readFileSync(join(sources(layer), 'app-1.0/VERSION'), 'utf8'), '1.2\n');
});

test('SRCREV = "${AUTOREV}" follows the branch head each build (BB_SRCREV_POLICY "clear")', async (t) => {
  if (!requireTool(t, hasCommand('git'), 'git (Debian package git)')) return;
  const r = repository();
  const layer = fetchLayer({ 'app_1.0': `SRC_URI = "git://${r.repo};protocol=file;branch=main"\nSRCREV = "\${AUTOREV}"\n` }, {}, 'AUTOREV = "AUTOINC"\n');
  const first = await fetchRecipe(layer, 'app_1.0');
  t.true(first.log.some((l) => l.includes(`using ${r.second}`)), first.log.join('\n'));
  writeFileSync(join(r.repo, 'VERSION'), '1.2\n');
  git(r.repo, 'commit', '-qam', 'three');
  // The revision resolved stays for the rest of the build; the next build asks again.
  startRevisionCache(first.store);
  await fetchRecipe(layer, 'app_1.0');
  await unpackRecipe(layer, 'app_1.0');
  t.is(readFileSync(join(sources(layer), 'app-1.0/VERSION'), 'utf8'), '1.2\n');
});
