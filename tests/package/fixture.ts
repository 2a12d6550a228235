/**
 * A hand-written package spec and its payload tree, as do_package would leave them: a
 * conffile, an executable, a symlink, a hard link, an empty directory, a name longer than
 * 100 bytes, four maintainer scripts that log their arguments, and every kind of relation.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, readFileSync } from 'node:fs';
import { chmod, link, mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { PackageFile, PackageScripts, PackageSpec } from '../../engine/package/model/spec.js';
import type { PackageWriter } from '../../engine/package/model/writer.js';

const LONG_DIR = `/usr/share/demo/${'a-rather-long-directory-name-'.repeat(3)}x`;
const LONG_FILE = `${LONG_DIR}/${'and-a-long-file-name-'.repeat(3)}.txt`;

const ROOT = { uid: 0, gid: 0, user: 'root', group: 'root' } as const;
const dir = (path: string, mode = 0o755): PackageFile => ({ path, kind: 'dir', mode, size: 0, ...ROOT });
const file = (path: string, size: number, mode = 0o644): PackageFile => ({ path, kind: 'file', mode, size, ...ROOT });

/** A script that appends `<pkg> <script> <args>` to $TSBAKE_SCRIPT_LOG (or `$D/script.log`) and checks $D. */
export function loggingScript(pkg: string, name: string): string {
  return [
    '#!/bin/sh',
    'set -e',
    `echo "${pkg} ${name} $* D=\${D:+set}" >> "\${TSBAKE_SCRIPT_LOG:-\${D:-}/script.log}"`,
    '',
  ].join('\n');
}

export interface Fixture {
  readonly spec: PackageSpec;
  readonly payloadRoot: string;
}

export interface FixtureOptions {
  readonly name?: string;
  readonly release?: string;
  readonly arch?: string;
  readonly confText?: string;
  readonly scripts?: boolean;
  readonly conflicts?: PackageSpec['relations']['conflicts'];
  /** Bytes of a large random-ish file added to the payload. */
  readonly bigFile?: number;
}

/** A payload of several of zstd's jobs (8 MiB each at level 3), so that its threads share the work. */
export const BIG_PAYLOAD = 20 << 20;

/** Each regular file with its md5, as do_package records it. */
const withMd5 = (root: string, files: readonly PackageFile[]): PackageFile[] =>
  files.map((f) => (f.kind === 'file' ? { ...f, md5: createHash('md5').update(readFileSync(join(root, f.path))).digest('hex') } : f));

export async function makeFixture(base: string, opts: FixtureOptions = {}): Promise<Fixture> {
  const name = opts.name ?? 'demo';
  const root = join(base, 'payload');
  const conf = opts.confText ?? 'setting = 1\n';
  const program = '#!/bin/sh\necho demo\n';
  const long = 'long name\n';
  await mkdir(join(root, 'etc/demo'), { recursive: true });
  await mkdir(join(root, 'usr/bin'), { recursive: true });
  await mkdir(join(root, 'var/lib/demo'), { recursive: true });
  await mkdir(join(root, LONG_DIR), { recursive: true });
  await writeFile(join(root, 'etc/demo/demo.conf'), conf);
  await writeFile(join(root, 'usr/bin/demo'), program);
  await chmod(join(root, 'usr/bin/demo'), 0o755);
  await link(join(root, 'usr/bin/demo'), join(root, 'usr/bin/demo-hard'));
  await symlink('demo', join(root, 'usr/bin/demo-link'));
  await writeFile(join(root, LONG_FILE), long);
  const files: PackageFile[] = [
    dir('/etc'),
    dir('/etc/demo'),
    file('/etc/demo/demo.conf', conf.length),
    dir('/usr'),
    dir('/usr/bin'),
    file('/usr/bin/demo', program.length, 0o755),
    { path: '/usr/bin/demo-hard', kind: 'hardlink', mode: 0o755, size: 0, target: '/usr/bin/demo', ...ROOT },
    { path: '/usr/bin/demo-link', kind: 'symlink', mode: 0o777, size: 0, target: 'demo', ...ROOT },
    dir('/usr/share'),
    dir('/usr/share/demo'),
    dir(LONG_DIR),
    file(LONG_FILE, long.length),
    dir('/var'),
    dir('/var/lib'),
    dir('/var/lib/demo'),
  ];
  if (opts.bigFile) {
    const path = '/usr/share/demo/big.bin';
    await writeBig(join(root, path), opts.bigFile);
    files.push(file(path, opts.bigFile));
    files.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  }
  const scripts: PackageScripts = opts.scripts === false ? {} : {
    preinst: loggingScript(name, 'preinst'),
    postinst: loggingScript(name, 'postinst'),
    prerm: loggingScript(name, 'prerm'),
    postrm: loggingScript(name, 'postrm'),
  };
  const spec: PackageSpec = {
    name,
    recipe: 'demo',
    version: { epoch: '1', version: '2.0-rc1', release: opts.release ?? 'r0' },
    arch: opts.arch ?? 'core2-64',
    summary: 'Demo package for the writer tests',
    description: 'A package with a conffile, a symlink, a hard link, an empty directory and a long name.\n\nIt logs every maintainer script.',
    section: 'utils',
    priority: 'optional',
    license: 'MIT',
    homepage: 'https://example.invalid/demo',
    maintainer: 'tsbake tests <tests@tsbake.invalid>',
    relations: {
      depends: [{ name: 'demo-base', constraint: { op: '>=', version: '1.0' } }],
      recommends: [{ name: 'demo-extras' }],
      suggests: [{ name: 'demo-doc', constraint: { op: '<', version: '3.0' } }],
      provides: [{ name: 'demo-api', constraint: { op: '=', version: '2.0' } }],
      conflicts: opts.conflicts ?? [{ name: 'demo-legacy', constraint: { op: '<', version: '1.0' } }],
      replaces: [{ name: 'demo-legacy', constraint: { op: '<', version: '1.0' } }],
    },
    scripts,
    conffiles: ['/etc/demo/demo.conf'],
    files: withMd5(root, files),
    installedSize: files.reduce((n, f) => n + f.size, 0),
    sourceDateEpoch: 1700000000,
  };
  return { spec, payloadRoot: root };
}

async function writeBig(path: string, size: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  async function* chunks(): AsyncGenerator<Buffer> {
    const block = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < block.length; i++) block[i] = (i * 2654435761) >>> 24;
    for (let done = 0; done < size; done += block.length) yield block.subarray(0, Math.min(block.length, size - done));
  }
  await pipeline(chunks(), createWriteStream(path));
}

/** Writes the fixture with `writer` into `outDir`; returns the package path. */
export async function writePackage(writer: PackageWriter, fx: Fixture, outDir: string): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const out = join(outDir, writer.fileName(fx.spec));
  const tmpDir = await mkdtemp(join(tmpdir(), 'tsbake-w-'));
  await writer.write(fx.spec, out, { payloadRoot: fx.payloadRoot, tmpDir });
  return out;
}
