/**
 * gitsm:// as BitBake's gitsm fetcher: every submodule, nested ones too, gets a bare clone of
 * its own in ${DL_DIR}/git2 (and a mirror tarball), and unpacking checks each out at the
 * commit the superproject records, offline once fetched.
 */
import test, { type ExecutionContext } from 'ava';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { NetworkAccessError } from '../../engine/fetch/errors.js';
import { hasCommand, requireTool } from '../helpers/host-tools.js';
import { fetchLayer, fetchRecipe, unpackRecipe } from './fetch-layer.js';
import { git, superproject, type Superproject } from './git-repos.js';
import { startGitDaemon } from './servers.js';

const checkout = (layer: string): string => join(layer, 'tmp/work/app/sources/app-1.0');

function checkSources(t: ExecutionContext, layer: string, sp: Superproject): void {
  const dir = checkout(layer);
  t.is(readFileSync(join(dir, 'top.txt'), 'utf8'), 'top.git\n');
  t.is(readFileSync(join(dir, 'libs/sub/sub.txt'), 'utf8'), 'sub.git\n');
  t.is(readFileSync(join(dir, 'libs/sub/deep/deep.txt'), 'utf8'), 'deep.git\n');
  t.is(git(join(dir, 'libs/sub'), 'rev-parse', 'HEAD'), sp.subRev);
  t.is(git(join(dir, 'libs/sub/deep'), 'rev-parse', 'HEAD'), sp.deepRev);
  // A leading '-' (not initialised), '+' (another commit) or 'U' (conflict) marks a bad one.
  const status = git(dir, 'submodule', 'status', '--recursive');
  t.is(status.split('\n').length, 2, status);
  t.notRegex(status, /^[-+U]/m);
}

test('gitsm protocol=file: a clone per submodule (nested too) in git2/, checked out at the recorded commits', async (t) => {
  if (!requireTool(t, hasCommand('git'), 'git (Debian package git)')) return;
  const sp = superproject();
  const layer = fetchLayer({ 'app_1.0': `SRC_URI = "gitsm://${sp.top};protocol=file;branch=main"\nSRCREV = "${sp.topRev}"\n` });
  await fetchRecipe(layer, 'app_1.0');
  const name = (repo: string): string => join(sp.base, repo).slice(1).replaceAll('/', '.');
  t.deepEqual(readdirSync(join(layer, 'downloads/git2')).sort(), [name('deep.git'), `${name('deep.git')}.done`, name('sub.git'), `${name('sub.git')}.done`, name('top.git'), `${name('top.git')}.done`].sort());
  await unpackRecipe(layer, 'app_1.0');
  checkSources(t, layer, sp);
});

test('gitsm over git://: offline (BB_NO_NETWORK) from the clones, and from the mirror tarballs alone', async (t) => {
  if (!requireTool(t, hasCommand('git'), 'git (Debian package git)')) return;
  const sp = superproject();
  const daemon = await startGitDaemon(sp.base);
  t.teardown(() => daemon.close());
  const recipe = { 'app_1.0': `SRC_URI = "gitsm://127.0.0.1:${daemon.port}/top.git;branch=main"\nSRCREV = "${sp.topRev}"\n` };
  const layer = fetchLayer(recipe, {}, 'BB_GENERATE_MIRROR_TARBALLS = "1"\n');
  await fetchRecipe(layer, 'app_1.0');
  const tarballs = readdirSync(join(layer, 'downloads')).filter((n) => n.endsWith('.tar.gz')).sort();
  t.deepEqual(tarballs, ['deep', 'sub', 'top'].map((r) => `git2_127.0.0.1.${daemon.port}.${r}.git.tar.gz`));
  await daemon.close();

  // The same DL_DIR, the network off.
  const offline = fetchLayer(recipe, {}, 'BB_NO_NETWORK = "1"\n');
  rmSync(join(offline, 'downloads'), { recursive: true, force: true });
  renameSync(join(layer, 'downloads'), join(offline, 'downloads'));
  await fetchRecipe(offline, 'app_1.0');
  await unpackRecipe(offline, 'app_1.0');
  checkSources(t, offline, sp);

  // Only the mirror tarballs: each clone is made from its own.
  rmSync(join(offline, 'downloads/git2'), { recursive: true });
  rmSync(join(offline, 'tmp'), { recursive: true });
  await fetchRecipe(offline, 'app_1.0');
  await unpackRecipe(offline, 'app_1.0');
  checkSources(t, offline, sp);

  // Without the tarball of the nested submodule, the error names what it expected.
  rmSync(join(offline, 'downloads/git2'), { recursive: true });
  rmSync(join(offline, `downloads/git2_127.0.0.1.${daemon.port}.deep.git.tar.gz`));
  mkdirSync(join(offline, 'downloads/git2'));
  await t.throwsAsync(fetchRecipe(offline, 'app_1.0'), { instanceOf: NetworkAccessError, message: new RegExp(`git2/127\\.0\\.0\\.1\\.${daemon.port}\\.deep\\.git`) });
});
