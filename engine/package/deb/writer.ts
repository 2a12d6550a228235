/**
 * The .deb writer: ar of `debian-binary`, `control.tar.<c>` (control, md5sums, conffiles,
 * maintainer scripts) and `data.tar.<c>`, as `dpkg-deb --root-owner-group --build` lays
 * them out (`./` first, directories before what they hold, ar headers mode 100644 and mtime
 * SOURCE_DATE_EPOCH). md5sums are computed while the data archive streams.
 */
import { createHash, type Hash } from 'node:crypto';
import type { Writable } from 'node:stream';
import { writeArPackage } from '../archive/ar-package.js';
import { compressionSetting, type Compression, type Settings } from '../archive/compression.js';
import { payloadTarMembers, rootDirMember, withParentDirs } from '../archive/payload.js';
import { controlMembers } from '../archive/control-members.js';
import type { TarMember } from '../archive/tar-stream.js';
import { insertAfterInterpreter, type ScriptName } from '../model/scripts.js';
import type { PackageSpec } from '../model/spec.js';
import { fileVersion } from '../model/versions.js';
import type { PackageWriter, WriteContext } from '../model/writer.js';
import { dpkgArch } from './arch.js';
import { debControl } from './control.js';

export interface DebOptions {
  /** DPKG_ARCH: the Debian name of the target architecture (arch `all` packages say `all`). */
  readonly dpkgArch: string;
  readonly compression: Compression;
}

/** oe-core keeps prerm and postrm from running during an upgrade. */
const UPGRADE_GUARD = '[ "$1" != "upgrade" ] || exit 0';

export function debScript(name: ScriptName, script: string): string {
  return name === 'prerm' || name === 'postrm' ? insertAfterInterpreter(script, UPGRADE_GUARD) : script;
}

function debControlMembers(spec: PackageSpec, architecture: string, md5: ReadonlyMap<string, Hash>): TarMember[] {
  const regular = new Set(spec.files.filter((f) => f.kind === 'file').map((f) => f.path));
  const sums = spec.files
    .filter((f) => f.kind === 'file' || f.kind === 'hardlink')
    .map((f) => `${md5.get(f.kind === 'file' ? f.path : (f.target ?? ''))?.copy().digest('hex') ?? ''}  ${f.path.slice(1)}\n`);
  return controlMembers(spec, {
    dir: './',
    control: debControl(spec, architecture),
    conffiles: spec.conffiles.filter((c) => regular.has(c)),
    md5sums: sums.join(''),
    script: debScript,
  });
}

export function createDebWriter(opts: DebOptions): PackageWriter {
  const architecture = (spec: PackageSpec): string => (spec.arch === 'all' ? 'all' : opts.dpkgArch);
  return {
    format: 'deb',
    archDir: (spec) => spec.arch,
    fileName: (spec) => `${spec.name}_${fileVersion(spec.version)}_${architecture(spec)}.deb`,
    async write(spec: PackageSpec, out: Writable, ctx: WriteContext): Promise<void> {
      const mtime = spec.sourceDateEpoch;
      const md5 = new Map<string, Hash>(spec.files.filter((f) => f.kind === 'file').map((f) => [f.path, createHash('md5')]));
      const files = withParentDirs(spec.files);
      await writeArPackage(
        {
          data: [rootDirMember(mtime), ...payloadTarMembers(files, ctx.payloadRoot, mtime)],
          dataCompression: opts.compression,
          onData: (m, chunk) => md5.get(m.header.name.slice(1))?.update(chunk),
          control: () => [rootDirMember(mtime), ...debControlMembers(spec, architecture(spec), md5)],
          controlCompression: opts.compression,
          style: { gnuNames: false, mtime, mode: '100644' },
        },
        out,
        { tmpDir: ctx.tmpDir, prefix: `${spec.name}.deb`, ...(ctx.signal ? { signal: ctx.signal } : {}) },
      );
    },
  };
}

/** The writer a recipe's settings ask for: DPKG_ARCH from TARGET_ARCH and TUNE_FEATURES, DEB_COMPRESSOR. */
export function debWriterFromSettings(get: Settings): PackageWriter {
  return createDebWriter({
    dpkgArch: dpkgArch(get('TARGET_ARCH'), get('TUNE_FEATURES').split(/\s+/)),
    compression: compressionSetting(get, 'DEB_COMPRESSOR', 'zstd'),
  });
}
