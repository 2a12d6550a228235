import test from 'ava';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { packageOrder, populate, wholeDirs } from '../../../engine/package/split/populate.js';
import type { TreeEntry } from '../../../engine/package/split/tree.js';
import { bake } from '../../run/run-layer.js';
import { fixture, packageLayer, paths, pkgdest, readSpec, workdir } from './package-layer.js';

const SPLIT = fixture('split_1.0.bb');

let built: Promise<string> | undefined;
/** One build of the split recipe, shared by the tests that read its output. */
function splitBuild(): Promise<string> {
  built ??= (async () => {
    const dir = packageLayer({ 'split_1.0': SPLIT });
    const r = bake(dir, ['split']);
    if (r.status !== 0) throw new Error(`build failed:\n${r.stdout}\n${r.stderr}`);
    return dir;
  })();
  return built;
}

test('FILES decide: -dev gets headers, -doc the docs, PACKAGE_BEFORE_PN its own globs, PN the rest', async (t) => {
  const dir = await splitBuild();
  t.deepEqual(paths(readSpec(dir, 'split', 'split-dev')), ['/usr', '/usr/include', '/usr/include/split.h']);
  t.deepEqual(paths(readSpec(dir, 'split', 'split-doc')), ['/usr', '/usr/share', '/usr/share/doc', '/usr/share/doc/split', '/usr/share/doc/split/README']);
  t.deepEqual(paths(readSpec(dir, 'split', 'split-extra')), ['/usr', '/usr/share', '/usr/share/extra', '/usr/share/extra/sparse']);
  t.deepEqual(paths(readSpec(dir, 'split', 'split')), ['/etc', '/etc/split.conf', '/usr', '/usr/bin', '/usr/bin/tool', '/usr/bin/tool-link', '/usr/bin/tool-sym', '/var', '/var/lib', '/var/lib/private']);
  t.deepEqual(readSpec(dir, 'split', 'split').conffiles, ['/etc/split.conf']);
  t.deepEqual(readSpec(dir, 'split', 'split-dev').relations.depends, [{ name: 'split', constraint: { op: '=', version: '1.0-r0' } }]);
});

test('ALLOW_EMPTY writes an empty package; other empty packages are not written', async (t) => {
  const dir = await splitBuild();
  t.deepEqual(readSpec(dir, 'split', 'split-empty').files, []);
  t.false(existsSync(join(pkgdest(dir, 'split'), 'split-locale.spec.json')));
  t.false(existsSync(join(pkgdest(dir, 'split'), 'split-src.spec.json')));
  const recipe = JSON.parse(readFileSync(join(dir, 'tmp/pkgdata/qemux86-64/split.json'), 'utf8')) as { written: string[] };
  t.true(recipe.written.includes('split-empty'));
  t.false(recipe.written.includes('split-locale'));
});

test('PACKAGE_ARCH per package', async (t) => {
  const dir = await splitBuild();
  t.is(readSpec(dir, 'split', 'split-doc').arch, 'all');
  t.is(readSpec(dir, 'split', 'split').arch, 'core2-64');
});

test('owners and modes come from the fakeroot state of do_install', async (t) => {
  const dir = await splitBuild();
  const files = readSpec(dir, 'split', 'split').files;
  const tool = files.find((f) => f.path === '/usr/bin/tool');
  t.like(tool, { kind: 'file', uid: 1000, gid: 1001, mode: 0o4755, size: 1 });
  t.like(files.find((f) => f.path === '/var/lib/private'), { kind: 'dir', uid: 5, gid: 6, mode: 0o700 });
  t.like(files.find((f) => f.path === '/usr/bin'), { kind: 'dir', uid: 0, gid: 0, user: 'root', mode: 0o755 });
  t.is(statSync(join(pkgdest(dir, 'split'), 'split/var/lib/private')).mode & 0o7777, 0o700);
});

/** The names of inode `ino` below `dir`. */
function namesOf(dir: string, ino: number): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((p) => lstatSync(join(dir, p)).ino === ino);
}

test('hard links keep their link groups; the split shares ${D}\'s inodes; symlinks stay symlinks', async (t) => {
  const dir = await splitBuild();
  const root = join(pkgdest(dir, 'split'), 'split/usr/bin');
  const image = join(workdir(dir, 'split'), 'image/usr/bin');
  const a = statSync(join(root, 'tool'));
  const b = statSync(join(root, 'tool-link'));
  t.is(a.ino, b.ino);
  // ${PKGD} is linked, not copied: as many names in the package as in ${D}, on the same inode
  t.is(a.ino, statSync(join(image, 'tool')).ino);
  t.deepEqual(namesOf(root, a.ino).sort(), ['tool', 'tool-link']);
  t.deepEqual(namesOf(image, a.ino).sort(), ['tool', 'tool-link']);
  t.is(a.nlink, 4);
  t.true(lstatSync(join(root, 'tool-sym')).isSymbolicLink());
  t.is(readlinkSync(join(root, 'tool-sym')), 'tool');
  const files = readSpec(dir, 'split', 'split').files;
  t.like(files.find((f) => f.path === '/usr/bin/tool-link'), { kind: 'hardlink', target: '/usr/bin/tool', size: 0 });
  t.like(files.find((f) => f.path === '/usr/bin/tool-sym'), { kind: 'symlink', target: 'tool' });
});

test('every regular file of a package has its md5 in the spec (a .deb\'s md5sums); hard links, symlinks and directories have none', async (t) => {
  const dir = await splitBuild();
  const root = pkgdest(dir, 'split');
  for (const pkg of ['split', 'split-dev', 'split-doc', 'split-extra']) {
    for (const f of readSpec(dir, 'split', pkg).files) {
      if (f.kind === 'file') t.is(f.md5, createHash('md5').update(readFileSync(join(root, pkg, f.path))).digest('hex'), f.path);
      else t.is(f.md5, undefined, f.path);
    }
  }
});

test('sparse files stay sparse', async (t) => {
  const dir = await splitBuild();
  const st = statSync(join(pkgdest(dir, 'split'), 'split-extra/usr/share/extra/sparse'));
  t.is(st.size, 64 * 1024 * 1024);
  t.true(st.blocks * 512 < 1024 * 1024, `${st.blocks} blocks allocated`);
  t.is(readSpec(dir, 'split', 'split-extra').installedSize, 64 * 1024 * 1024);
});

test('PACKAGESPLITFUNCS: a python function using do_split_packages adds packages', async (t) => {
  const dir = await splitBuild();
  const a = readSpec(dir, 'split', 'split-plugin-a');
  t.deepEqual(paths(a), ['/usr', '/usr/lib', '/usr/lib/split', '/usr/lib/split/plugins', '/usr/lib/split/plugins/plugin-a.so']);
  t.deepEqual(a.relations.depends, [{ name: 'split' }]);
  t.is(a.description, 'Plugin a');
  t.true(existsSync(join(pkgdest(dir, 'split'), 'split-plugin-b.spec.json')));
});

test('locales: one package per language in place of ${PN}-locale, as oe-core names them', async (t) => {
  const dir = await splitBuild();
  const pt = readSpec(dir, 'split', 'split-locale-pt-br');
  t.deepEqual(paths(pt).slice(-3), ['/usr/share/locale/pt_BR', '/usr/share/locale/pt_BR/LC_MESSAGES', '/usr/share/locale/pt_BR/LC_MESSAGES/split.mo']);
  t.deepEqual(pt.relations.provides, [{ name: 'pt-br-translation' }, { name: 'split-locale' }]);
  t.deepEqual(pt.relations.recommends, [{ name: 'virtual-locale-pt-br' }]);
  t.true(paths(readSpec(dir, 'split', 'split-locale-de')).includes('/usr/share/locale/de/LC_MESSAGES/split.mo'));
  const recipe = JSON.parse(readFileSync(join(dir, 'tmp/pkgdata/qemux86-64/split.json'), 'utf8')) as { packages: string[] };
  t.false(recipe.packages.includes('split-locale'));
});

test('-src first, -dbg second, then PACKAGES order', (t) => {
  t.deepEqual(packageOrder(['a', 'a-dbg', 'a-dev', 'a-src']), ['a-src', 'a-dbg', 'a', 'a-dev']);
});

const entry = (path: string, kind: TreeEntry['kind'] = 'file'): TreeEntry => ({ path, kind, mode: 0o644, uid: 0, gid: 0, size: 0, ino: path.length, nlink: 1, mtimeMs: 0 });

test('the first package whose FILES match keeps a path; .debug directories go to -dbg', (t) => {
  const tree = [entry('/usr', 'dir'), entry('/usr/bin', 'dir'), entry('/usr/bin/.debug', 'dir'), entry('/usr/bin/.debug/x'), entry('/usr/bin/x'), entry('/usr/lib', 'dir'), entry('/usr/lib/debug', 'dir'), entry('/usr/lib/debug/y'), entry('/usr/lib/.hidden'), entry('/opt')];
  const files: Record<string, string> = { p: '/usr', 'p-dbg': '/usr/lib/debug', 'p-dev': '/usr/lib/*' };
  const r = populate(tree, ['p', 'p-dev', 'p-dbg'], (pkg) => (files[pkg] ?? '').split(' '), () => undefined);
  t.deepEqual(r.packages.get('p-dbg'), ['/usr', '/usr/bin', '/usr/bin/.debug', '/usr/bin/.debug/x', '/usr/lib', '/usr/lib/debug', '/usr/lib/debug/y']);
  t.deepEqual(r.packages.get('p'), ['/usr', '/usr/bin', '/usr/bin/x', '/usr/lib', '/usr/lib/.hidden']);
  t.deepEqual(r.packages.get('p-dev'), []);
  t.deepEqual(r.unshipped, ['/opt']);
});

test('a directory moves into a package whole only when all of it is that package\'s', (t) => {
  const tree = [entry('/opt', 'dir'), entry('/opt-x'), entry('/opt/a', 'dir'), entry('/opt/a/f'), entry('/opt/b', 'dir'), entry('/opt/b/g'), entry('/opt/b/h'), entry('/opt/e', 'dir'), entry('/opt/s', 'symlink')];
  const packages = new Map([
    ['p', ['/opt', '/opt-x', '/opt/a', '/opt/a/f', '/opt/b', '/opt/b/g', '/opt/e', '/opt/s']],
    ['q', ['/opt', '/opt/b', '/opt/b/h']],
  ]);
  t.deepEqual([...wholeDirs(tree, packages)].sort(), [['/opt/a', 'p'], ['/opt/e', 'p']]);
  t.deepEqual([...wholeDirs(tree, new Map([['p', tree.map((e) => e.path)]]))].map(([d]) => d).sort(), ['/opt', '/opt/a', '/opt/b', '/opt/e']);
  // an unshipped file keeps its directory from moving
  t.false(wholeDirs([entry('/d', 'dir'), entry('/d/x'), entry('/d/y')], new Map([['p', ['/d', '/d/x']]])).has('/d'));
});
