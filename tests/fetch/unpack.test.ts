import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnsafeMemberError, UnpackError } from '../../engine/fetch/errors.js';
import { archiveKind } from '../../engine/fetch/unpack.js';
import { hasCommand, requireTool } from '../helpers/host-tools.js';
import { fetchLayer, unpackRecipe } from './fetch-layer.js';

/** A source tree `app-1.0/` with a file, a subdirectory and a relative symlink. */
function sourceTree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsbake-src-'));
  mkdirSync(join(dir, 'app-1.0/src'), { recursive: true });
  writeFileSync(join(dir, 'app-1.0/README'), 'read me\n');
  writeFileSync(join(dir, 'app-1.0/src/main.c'), 'int main(void) { return 0; }\n');
  spawnSync('ln', ['-s', 'src/main.c', join(dir, 'app-1.0/main-link.c')]);
  return dir;
}

function run(cmd: string, args: readonly string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

/** Makes `name` in `files/` of a new layer from the source tree and unpacks it. */
async function unpackArchive(name: string, make: (src: string, out: string) => void, params = ''): Promise<string> {
  const src = sourceTree();
  const layer = fetchLayer({ app_1: `SRC_URI = "file://${name}${params}"\n` });
  mkdirSync(join(layer, 'recipes/files'), { recursive: true });
  make(src, join(layer, 'recipes/files', name));
  await unpackRecipe(layer, 'app_1');
  return join(layer, 'tmp/work/app/sources');
}

const TARS: ReadonlyArray<readonly [string, readonly string[], string | undefined]> = [
  ['app-1.0.tar', ['-cf'], undefined],
  ['app-1.0.tar.gz', ['-czf'], 'gzip'],
  ['app-1.0.tgz', ['-czf'], 'gzip'],
  ['app-1.0.tar.bz2', ['-cjf'], 'bzip2'],
  ['app-1.0.tar.xz', ['-cJf'], 'xz'],
  ['app-1.0.tar.zst', ['--zstd', '-cf'], 'zstd'],
];

for (const [name, flags, tool] of TARS) {
  test(`${name} unpacks into UNPACKDIR with its files, directories and symlinks`, async (t) => {
    if (tool && !requireTool(t, hasCommand(tool), `${tool} (Debian package ${tool === 'zstd' ? 'zstd' : tool === 'xz' ? 'xz-utils' : tool})`)) return;
    const out = await unpackArchive(name, (src, file) => run('tar', [...flags, file, 'app-1.0'], src));
    t.is(readFileSync(join(out, 'app-1.0/src/main.c'), 'utf8'), 'int main(void) { return 0; }\n');
    t.is(readlinkSync(join(out, 'app-1.0/main-link.c')), 'src/main.c');
  });
}

test('striplevel= drops leading components; subdir= puts the result below UNPACKDIR', async (t) => {
  const out = await unpackArchive('app-1.0.tar.gz', (src, file) => run('tar', ['-czf', file, 'app-1.0'], src), ';striplevel=1;subdir=app-1.0/vendor');
  t.is(readFileSync(join(out, 'app-1.0/vendor/README'), 'utf8'), 'read me\n');
  t.false(existsSync(join(out, 'app-1.0/vendor/app-1.0')));
});

test('unpack=0 copies the archive as it is', async (t) => {
  const out = await unpackArchive('app-1.0.tar.gz', (src, file) => run('tar', ['-czf', file, 'app-1.0'], src), ';unpack=0');
  t.true(lstatSync(join(out, 'app-1.0.tar.gz')).isFile());
  t.false(existsSync(join(out, 'app-1.0')));
});

test('.zip archives unpack with unzip', async (t) => {
  if (!requireTool(t, hasCommand('unzip') && hasCommand('zip'), 'unzip and zip (Debian packages unzip, zip)')) return;
  const out = await unpackArchive('app-1.0.zip', (src, file) => run('zip', ['-qry', file, 'app-1.0'], src));
  t.is(readFileSync(join(out, 'app-1.0/README'), 'utf8'), 'read me\n');
});

for (const [ext, tool] of [['gz', 'gzip'], ['xz', 'xz'], ['bz2', 'bzip2']] as const) {
  test(`a single .${ext} file is decompressed beside the others`, async (t) => {
    const out = await unpackArchive(`notes.txt.${ext}`, (src, file) => {
      writeFileSync(join(src, 'notes.txt'), 'notes\n');
      const r = spawnSync(tool, ['-c', join(src, 'notes.txt')]);
      writeFileSync(file, r.stdout);
    });
    t.is(readFileSync(join(out, 'notes.txt'), 'utf8'), 'notes\n');
  });
}

test('plain files and directories are copied; file://dir/x keeps its directory', async (t) => {
  const layer = fetchLayer({ app_1: 'SRC_URI = "file://conf/app.conf file://extra.txt file://tree"\n' }, { 'files/conf/app.conf': 'a=1\n', 'files/extra.txt': 'x\n', 'files/tree/a/b.txt': 'b\n' });
  await unpackRecipe(layer, 'app_1');
  const out = join(layer, 'tmp/work/app/sources');
  t.is(readFileSync(join(out, 'conf/app.conf'), 'utf8'), 'a=1\n');
  t.is(readFileSync(join(out, 'extra.txt'), 'utf8'), 'x\n');
  t.is(readFileSync(join(out, 'tree/a/b.txt'), 'utf8'), 'b\n');
});

/** A tarball with crafted members (python's tarfile writes whatever it is told). */
function craftedTar(file: string, members: ReadonlyArray<{ name: string; type: 'file' | 'symlink'; target?: string }>): void {
  const spec = JSON.stringify(members);
  const py = [
    'import io, json, sys, tarfile',
    'with tarfile.open(sys.argv[1], "w:gz") as tar:',
    '    for m in json.loads(sys.argv[2]):',
    '        info = tarfile.TarInfo(m["name"])',
    '        if m["type"] == "symlink":',
    '            info.type = tarfile.SYMTYPE; info.linkname = m["target"]; tar.addfile(info)',
    '        else:',
    '            data = b"evil\\n"; info.size = len(data); tar.addfile(info, io.BytesIO(data))',
  ].join('\n');
  run('python3', ['-c', py, file, spec], tmpdir());
}

const DANGEROUS: ReadonlyArray<readonly [string, ReadonlyArray<{ name: string; type: 'file' | 'symlink'; target?: string }>, string, RegExp]> = [
  ['a .. member', [{ name: 'app-1.0/../../escaped', type: 'file' }], 'app-1.0/../../escaped', /'\.\.'/],
  ['an absolute member', [{ name: '/tmp/tsbake-absolute-escape', type: 'file' }], '/tmp/tsbake-absolute-escape', /absolute/],
  ['a symlink escaping the directory', [{ name: 'app-1.0/out', type: 'symlink', target: '../../..' }], 'app-1.0/out', /points outside/],
  ['an absolute symlink', [{ name: 'app-1.0/etc', type: 'symlink', target: '/etc' }], 'app-1.0/etc', /points outside/],
  ['a member written through a symlink', [{ name: 'app-1.0/link', type: 'symlink', target: 'sub' }, { name: 'app-1.0/link/file', type: 'file' }], 'app-1.0/link/file', /through the symlink/],
];

for (const [what, members, named, why] of DANGEROUS) {
  test(`${what} is refused, naming the member`, async (t) => {
    const layer = fetchLayer({ app_1: 'SRC_URI = "file://evil-1.0.tar.gz"\n' });
    mkdirSync(join(layer, 'recipes/files'), { recursive: true });
    craftedTar(join(layer, 'recipes/files/evil-1.0.tar.gz'), members);
    const e = await t.throwsAsync(unpackRecipe(layer, 'app_1'), { instanceOf: UnsafeMemberError });
    t.is(e?.member, named);
    t.regex(e?.message ?? '', why);
    t.false(existsSync('/tmp/tsbake-absolute-escape'));
    t.false(existsSync(join(layer, 'tmp/work/escaped')));
  });
}

test('a zip member with .. is refused before unzip runs', async (t) => {
  if (!requireTool(t, hasCommand('unzip'), 'unzip (Debian package unzip)')) return;
  const layer = fetchLayer({ app_1: 'SRC_URI = "file://evil-1.0.zip"\n' });
  mkdirSync(join(layer, 'recipes/files'), { recursive: true });
  const py = 'import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], "w") as z:\n    z.writestr("../escaped-zip", "evil")';
  run('python3', ['-c', py, join(layer, 'recipes/files/evil-1.0.zip')], tmpdir());
  const e = await t.throwsAsync(unpackRecipe(layer, 'app_1'), { instanceOf: UnsafeMemberError });
  t.is(e?.member, '../escaped-zip');
  t.false(existsSync(join(layer, 'tmp/work/app/escaped-zip')));
});

test('a corrupt tarball fails naming it', async (t) => {
  const layer = fetchLayer({ app_1: 'SRC_URI = "file://broken-1.0.tar.gz"\n' }, { 'files/broken-1.0.tar.gz': 'not gzip at all' });
  await t.throwsAsync(unpackRecipe(layer, 'app_1'), { instanceOf: UnpackError, message: /broken-1\.0\.tar\.gz/ });
});

test('file names decide the unpacking as in BitBake: .tar.Z is a tarball, .Z a compressed file, .taz/.tb2 are copied, .deb/.ipk are packages', (t) => {
  t.deepEqual(archiveKind('/dl/a-1.0.tar.Z'), { kind: 'tar', compression: 'compress' });
  t.deepEqual(archiveKind('/dl/notes.txt.Z'), { kind: 'compressed', compression: 'compress', out: 'notes.txt' });
  t.deepEqual(archiveKind('/dl/a.taz'), { kind: 'plain' });
  t.deepEqual(archiveKind('/dl/a.tb2'), { kind: 'plain' });
  t.deepEqual(archiveKind('/dl/a.ipk'), { kind: 'package' });
  t.deepEqual(archiveKind('/dl/a.jar'), { kind: 'zip' });
});
