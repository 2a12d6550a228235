/**
 * The .ipk writer, in the form opkg-build writes by default: an ar archive made like GNU
 * `ar -crfD` (names `debian-binary/`, mode 644, mtime 0) of `debian-binary`,
 * `control.tar.gz` (always gzip, plain files only, no `./` entry) and `data.tar.<c>`
 * (no `./` entry). Control fields as oe-core's package_ipk writes them.
 */
import { writeArPackage } from '../archive/ar-package.js';
import { compressionSetting, type Compression, type Settings } from '../archive/compression.js';
import { payloadTarMembers, withParentDirs } from '../archive/payload.js';
import { controlMembers } from '../archive/control-members.js';
import { byName, controlDescription, dpkgRelations, renderControl } from '../model/control.js';
import type { PackageSpec } from '../model/spec.js';
import { debianVersion, fileVersion } from '../model/versions.js';
import type { PackageWriter, WriteContext } from '../model/writer.js';

export interface IpkOptions {
  /** data.tar's compressor (oe-core: `opkg-build -Z zstd`); control.tar is always gzip. */
  readonly compression: Compression;
}

const CONTROL_GZIP: Compression = { kind: 'gzip', level: 9 };

function ipkControl(spec: PackageSpec): string {
  const r = spec.relations;
  const provides = [...r.provides].sort(byName);
  return renderControl([
    ['Package', spec.name],
    ['Version', debianVersion(spec.version)],
    ['Description', controlDescription(spec.summary, spec.description)],
    ['Section', spec.section],
    ['Priority', spec.priority],
    ['Maintainer', spec.maintainer],
    ['License', spec.license],
    ['Architecture', spec.arch],
    ['OE', spec.recipe],
    ['Homepage', spec.homepage],
    ['Depends', dpkgRelations(r.depends)],
    ['Suggests', dpkgRelations(r.suggests)],
    ['Recommends', dpkgRelations(r.recommends)],
    ['Provides', dpkgRelations(provides, false)],
    ['Replaces', dpkgRelations(r.replaces)],
    ['Conflicts', dpkgRelations(r.conflicts)],
  ]);
}

export function createIpkWriter(opts: IpkOptions): PackageWriter {
  return {
    format: 'ipk',
    archDir: (spec) => spec.arch,
    fileName: (spec) => `${spec.name}_${fileVersion(spec.version)}_${spec.arch}.ipk`,
    async write(spec: PackageSpec, path: string, ctx: WriteContext): Promise<void> {
      const mtime = spec.sourceDateEpoch;
      await writeArPackage(
        {
          data: payloadTarMembers(withParentDirs(spec.files), ctx.payloadRoot, mtime),
          dataCompression: opts.compression,
          control: controlMembers(spec, { dir: './', control: ipkControl(spec), conffiles: spec.conffiles }),
          controlCompression: CONTROL_GZIP,
          style: { gnuNames: true, mtime: 0, mode: '644' },
        },
        path,
        { tmpDir: ctx.tmpDir, prefix: `${spec.name}.ipk`, ...(ctx.signal ? { signal: ctx.signal } : {}) },
      );
    },
  };
}

/** IPK_COMPRESSOR names data.tar's compressor (oe-core: zstd). */
export function ipkWriterFromSettings(get: Settings): PackageWriter {
  return createIpkWriter({ compression: compressionSetting(get, 'IPK_COMPRESSOR', 'zstd') });
}
