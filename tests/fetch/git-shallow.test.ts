import test from 'ava';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FetchError } from '../../engine/fetch/errors.js';
import { gitSrcName } from '../../engine/fetch/git.js';
import { shallowSpec, shallowTarballName, type ShallowSpec } from '../../engine/fetch/git-shallow.js';
import { decodeUrl } from '../../engine/fetch/src-uri.js';
import { hasCommand, requireTool } from '../helpers/host-tools.js';
import { git } from './git-repos.js';
import { fetchLayer, fetchRecipe, unpackRecipe } from './fetch-layer.js';

const REV = '0123456789abcdef0123456789abcdef01234567';

function spec(url: string, vars: Readonly<Record<string, string>>): ShallowSpec | undefined {
  return shallowSpec(decodeUrl(url), (name) => vars[name]);
}

function tarball(url: string, vars: Readonly<Record<string, string>>): string | undefined {
  const u = decodeUrl(url);
  const s = shallowSpec(u, (name) => vars[name]);
  const nobranch = u.params.get('nobranch') === '1';
  return s && shallowTarballName({ uri: u, srcName: gitSrcName(u), branch: u.params.get('branch') ?? '', nobranch }, s, REV);
}

test('the shallow tarball name holds the revs, the commit, the depth and the refs, as BitBake names it', (t) => {
  const on = { BB_GIT_SHALLOW: '1' };
  const url = 'git://example.com/lib.git;branch=main';
  t.is(tarball(url, on), 'gitshallow_example.com.lib.git_0123456-1_main.tar.gz');
  t.is(tarball(url, { ...on, BB_GIT_SHALLOW_DEPTH: '0', BB_GIT_SHALLOW_REVS: 'bbb aaa' }), 'gitshallow_example.com.lib.git_aaa_bbb_0123456_main.tar.gz');
  t.is(tarball(`${url};tag=v1`, { ...on, BB_GIT_SHALLOW_EXTRA_REFS: 'refs/heads/dev refs/tags/*' }), 'gitshallow_example.com.lib.git_0123456-1_dev_main_refs.tags.ALL_refs.tags.v1.tar.gz');
  t.is(tarball('git://example.com/lib.git;nobranch=1;bareclone=1', { ...on, BB_GIT_SHALLOW_DEPTH: '3' }), 'gitshallow_example.com.lib.git_bare_0123456-3.tar.gz');
  t.is(tarball('gitsm://example.com/lib.git;branch=main', on), 'gitsmshallow_example.com.lib.git_0123456-1_main.tar.gz');
});

test('BB_GIT_SHALLOW_DEPTH_<name> beats BB_GIT_SHALLOW_DEPTH; depth 0 without revs, or BB_GIT_SHALLOW unset, is a full clone', (t) => {
  const url = 'git://example.com/lib.git;branch=main;name=lib';
  t.deepEqual(spec(url, { BB_GIT_SHALLOW: '1', BB_GIT_SHALLOW_DEPTH: '5', BB_GIT_SHALLOW_DEPTH_lib: '2' }), { depth: 2, revs: [], extraRefs: [] });
  t.deepEqual(spec(url, { BB_GIT_SHALLOW: '1', BB_GIT_SHALLOW_DEPTH: '' }), undefined);
  t.deepEqual(spec(url, { BB_GIT_SHALLOW: '1', BB_GIT_SHALLOW_DEPTH_lib: '0', BB_GIT_SHALLOW_REVS_lib: 'abc' }), { depth: 0, revs: ['abc'], extraRefs: [] });
  t.deepEqual(spec(url, { BB_GIT_SHALLOW_DEPTH: '2' }), undefined);
  t.throws(() => spec(url, { BB_GIT_SHALLOW: '1', BB_GIT_SHALLOW_DEPTH: '-1' }), { instanceOf: FetchError, message: /invalid depth for BB_GIT_SHALLOW_DEPTH: -1/ });
  t.throws(() => spec(url, { BB_GIT_SHALLOW: '1', BB_GIT_SHALLOW_DEPTH_lib: 'two' }), { instanceOf: FetchError, message: /BB_GIT_SHALLOW_DEPTH_lib/ });
});

/** `<base>/repo.git` with three commits on main, the first tagged v1.0. */
function repository(): { repo: string; tagged: string; head: string } {
  const base = mkdtempSync(join(tmpdir(), 'tsbake-shallow-'));
  const repo = join(base, 'repo.git');
  git(base, 'init', '-q', repo);
  const revs: string[] = [];
  for (const v of ['1', '2', '3']) {
    writeFileSync(join(repo, 'VERSION'), `${v}\n`);
    git(repo, 'add', 'VERSION');
    git(repo, 'commit', '-qm', v);
    if (v === '1') git(repo, 'tag', 'v1.0');
    revs.push(git(repo, 'rev-parse', 'HEAD'));
  }
  return { repo, tagged: revs[0] ?? '', head: revs[2] ?? '' };
}

test('BB_GIT_SHALLOW_DEPTH = "2": no clone in DL_DIR, a tarball that is the same in any build directory, a checkout two commits deep with the extra ref', async (t) => {
  if (!requireTool(t, hasCommand('git'), 'git (Debian package git)')) return;
  const { repo, tagged, head } = repository();
  const recipe = { 'app_1.0': `SRC_URI = "git://${repo};protocol=file;branch=main"\nSRCREV = "${head}"\n` };
  const conf = 'BB_GIT_SHALLOW = "1"\nBB_GIT_SHALLOW_DEPTH = "2"\nBB_GIT_SHALLOW_EXTRA_REFS = "refs/tags/v1.0"\n';
  const layers = [fetchLayer(recipe, {}, conf), fetchLayer(recipe, {}, conf)];
  for (const layer of layers) await fetchRecipe(layer, 'app_1.0');
  const [first, second] = layers.map((layer) => join(layer, 'downloads'));
  const name = `gitshallow_${repo.slice(1).replaceAll('/', '.')}_${head.slice(0, 7)}-2_main_refs.tags.v1.0.tar.gz`;
  t.deepEqual(readdirSync(first ?? '').sort(), ['git2', name, `${name}.done`]);
  t.false(existsSync(join(first ?? '', 'git2', repo.slice(1).replaceAll('/', '.'))));
  t.true(readFileSync(join(first ?? '', name)).equals(readFileSync(join(second ?? '', name))), 'the same bytes in two build directories');
  await unpackRecipe(layers[0] ?? '', 'app_1.0');
  const checkout = join(layers[0] ?? '', 'tmp/work/app/sources/app-1.0');
  t.is(git(checkout, 'rev-parse', 'HEAD'), head);
  t.is(git(checkout, 'rev-parse', '--is-shallow-repository'), 'true');
  t.is(git(checkout, 'rev-list', '--count', 'HEAD'), '2');
  t.is(git(checkout, 'rev-parse', 'v1.0'), tagged);
  t.is(git(checkout, 'remote', 'get-url', 'origin'), repo);
});
