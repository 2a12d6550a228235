/**
 * tsbake's TAR package format (oe-core dropped package_tar; the contract is in the README):
 * `<Package>-<Version without epoch>.tar.<c>`, one compressed tar stream holding
 * `./CONTROL/` (control, conffiles, maintainer scripts) first, then the files, directories
 * before what they hold, byte order. The compressed stream goes straight to the output (a
 * worker thread compresses a large one while this thread reads the files).
 */
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { COMPRESSION_SUFFIX, compressionSetting, compressor, type Compression, type Settings } from '../archive/compression.js';
import { zstdCompress } from '../archive/zstd-compress.js';
import { payloadTarMembers, withParentDirs } from '../archive/payload.js';
import { controlMembers } from '../archive/control-members.js';
import { tarStream, type TarMember } from '../archive/tar-stream.js';
import { controlDescription, dpkgRelations, renderControl } from '../model/control.js';
import { installedSizeKiB } from '../model/installed-size.js';
import type { PackageSpec } from '../model/spec.js';
import { debianVersion, fileVersion } from '../model/versions.js';
import type { PackageWriter, WriteContext } from '../model/writer.js';

export interface TarOptions {
  readonly compression: Compression;
}

/** CONTROL/control: deb822, with the relations' versions kept (Provides included). */
function tarControl(spec: PackageSpec, files: PackageSpec['files']): string {
  const r = spec.relations;
  return renderControl([
    ['Package', spec.name],
    ['Version', debianVersion(spec.version)],
    ['Architecture', spec.arch],
    ['Maintainer', spec.maintainer],
    ['Installed-Size', String(installedSizeKiB(files))],
    ['Depends', dpkgRelations(r.depends)],
    ['Recommends', dpkgRelations(r.recommends)],
    ['Suggests', dpkgRelations(r.suggests)],
    ['Conflicts', dpkgRelations(r.conflicts)],
    ['Replaces', dpkgRelations(r.replaces)],
    ['Provides', dpkgRelations(r.provides)],
    ['Section', spec.section],
    ['Priority', spec.priority],
    ['License', spec.license],
    ['Homepage', spec.homepage],
    ['OE', spec.recipe],
    ['Description', controlDescription(spec.summary, spec.description)],
  ]);
}

const CONTROL_DIR = (mtime: number): TarMember => ({
  header: { name: './CONTROL/', type: 'dir', mode: 0o755, uid: 0, gid: 0, uname: 'root', gname: 'root', size: 0, mtime },
});

export function createTarWriter(opts: TarOptions): PackageWriter {
  return {
    format: 'tar',
    archDir: (spec) => spec.arch,
    fileName: (spec) => `${spec.name}-${fileVersion(spec.version)}.tar${COMPRESSION_SUFFIX[opts.compression.kind]}`,
    async write(spec: PackageSpec, path: string, ctx: WriteContext): Promise<void> {
      const files = withParentDirs(spec.files);
      const members = [
        CONTROL_DIR(spec.sourceDateEpoch),
        ...controlMembers(spec, { dir: './CONTROL/', control: tarControl(spec, files), conffiles: spec.conffiles }),
        ...payloadTarMembers(files, ctx.payloadRoot, spec.sourceDateEpoch),
      ];
      const signal = ctx.signal ? { signal: ctx.signal } : {};
      const tar = tarStream(members);
      const c = opts.compression;
      // no container around the stream: it goes straight to the output, nothing is spooled
      if (c.kind === 'zstd') await zstdCompress(tar, { level: c.level, ...(c.threads === undefined ? {} : { threads: c.threads }), path, ...signal });
      else await pipeline(Readable.from(tar, { objectMode: false }), compressor({ kind: c.kind, level: c.level }), createWriteStream(path), signal);
    },
  };
}

/** TAR_COMPRESSOR: zstd (`.tar.zst`), gzip or xz. */
export function tarWriterFromSettings(get: Settings): PackageWriter {
  return createTarWriter({ compression: compressionSetting(get, 'TAR_COMPRESSOR', 'zstd') });
}
