/**
 * The .deb writer: ar of `debian-binary`, `control.tar.<c>` (control, md5sums, conffiles,
 * maintainer scripts) and `data.tar.<c>`, as `dpkg-deb --root-owner-group --build` lays
 * them out (`./` first, directories before what they hold, ar headers mode 100644 and mtime
 * SOURCE_DATE_EPOCH). md5sums come from the package spec: do_package takes them.
 */
import { writeArPackage } from '../archive/ar-package.js';
import { compressionSetting, type Compression, type Settings } from '../archive/compression.js';
import { payloadTarMembers, rootDirMember, withParentDirs } from '../archive/payload.js';
import { controlMembers } from '../archive/control-members.js';
import { TsbakeError } from '../../core/errors.js';
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

export class MissingDigestError extends TsbakeError {
  readonly code = 'E_PACKAGE_DIGEST';
}

/** md5sums: a line per regular file and hard link (which has its first name's sum). */
function md5sums(spec: PackageSpec): string {
  const md5 = new Map(spec.files.filter((f) => f.kind === 'file').map((f) => [f.path, f.md5]));
  return spec.files
    .filter((f) => f.kind === 'file' || f.kind === 'hardlink')
    .map((f) => {
      const sum = md5.get(f.kind === 'file' ? f.path : (f.target ?? ''));
      if (sum === undefined) throw new MissingDigestError(`${spec.name}: the package spec has no md5 for ${f.path}`, undefined, 'run do_package again');
      return `${sum}  ${f.path.slice(1)}\n`;
    })
    .join('');
}

function debControlMembers(spec: PackageSpec, architecture: string): TarMember[] {
  const regular = new Set(spec.files.filter((f) => f.kind === 'file').map((f) => f.path));
  return controlMembers(spec, {
    dir: './',
    control: debControl(spec, architecture),
    conffiles: spec.conffiles.filter((c) => regular.has(c)),
    md5sums: md5sums(spec),
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
      const mtime = spec.sourceDateEpoch;
      await writeArPackage(
        {
          data: [rootDirMember(mtime), ...payloadTarMembers(withParentDirs(spec.files), ctx.payloadRoot, mtime)],
          dataCompression: opts.compression,
          control: [rootDirMember(mtime), ...debControlMembers(spec, architecture(spec))],
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
