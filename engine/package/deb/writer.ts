/**
 * The .deb writer: ar of `debian-binary`, `control.tar.<c>` (control, md5sums, conffiles,
 * maintainer scripts) and `data.tar.<c>`, as `dpkg-deb --root-owner-group --build` lays
 * them out (`./` first, directories before what they hold, ar headers mode 100644 and mtime
 * SOURCE_DATE_EPOCH). md5sums are taken while the data archive is written.
 */
import { writeArPackage } from '../archive/ar-package.js';
import { compressionSetting, type Compression, type Settings } from '../archive/compression.js';
import { payloadTarMembers, rootDirMember, withParentDirs } from '../archive/payload.js';
import { controlMembers } from '../archive/control-members.js';
import { fileDigests } from '../archive/file-digests.js';
import { prestartCompressor } from '../archive/zstd-compress.js';
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

function debScript(name: ScriptName, script: string): string {
  return name === 'prerm' || name === 'postrm' ? insertAfterInterpreter(script, UPGRADE_GUARD) : script;
}

function debControlMembers(spec: PackageSpec, architecture: string, md5: ReadonlyMap<string, string>): TarMember[] {
  const regular = new Set(spec.files.filter((f) => f.kind === 'file').map((f) => f.path));
  const sums = spec.files
    .filter((f) => f.kind === 'file' || f.kind === 'hardlink')
    .map((f) => `${md5.get(f.kind === 'file' ? f.path : (f.target ?? '')) ?? ''}  ${f.path.slice(1)}\n`);
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
    async write(spec: PackageSpec, path: string, ctx: WriteContext): Promise<void> {
      prestartCompressor(opts.compression, spec.installedSize);
      const mtime = spec.sourceDateEpoch;
      // md5sums are taken as the data archive reads the files
      const md5 = fileDigests('md5', spec.installedSize);
      const files = withParentDirs(spec.files);
      await writeArPackage(
        {
          data: [rootDirMember(mtime), ...payloadTarMembers(files, ctx.payloadRoot, mtime)],
          dataDigests: md5,
          dataCompression: opts.compression,
          control: async () => {
            const sums = await md5.result();
            const byPath = new Map(spec.files.filter((f) => f.kind === 'file').map((f) => [f.path, sums.get(`${ctx.payloadRoot}${f.path}`) ?? '']));
            return [rootDirMember(mtime), ...debControlMembers(spec, architecture(spec), byPath)];
          },
          controlCompression: opts.compression,
          style: { gnuNames: false, mtime, mode: '100644' },
        },
        path,
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
