/**
 * The rpm (v4) writer: lead | signature header | zero padding to 8 | main header | payload.
 * The payload (cpio, compressed) is spooled to a temp file first, since the main header
 * holds its digests and every file's SHA-256, and the signature header holds the sizes and
 * the header's digests. Scriptlets as oe-core's package_rpm writes them: prerm and postrm
 * run only on erase (`$1` = 0), not when an upgrade removes the old version.
 */
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CompressorError, compressionSetting, type Compression, type Settings } from '../archive/compression.js';
import { PackageFile } from '../archive/package-file.js';
import { spool, type Spooled } from '../archive/spool.js';
import { splitInterpreter, withFinalNewline, type ScriptName } from '../model/scripts.js';
import type { PackageSpec } from '../model/spec.js';
import { formatEvr, rpmEvr } from '../model/versions.js';
import type { PackageWriter, WriteContext } from '../model/writer.js';
import { dependencyTags } from './dependencies.js';
import { fileTags, installedBytes, rpmFiles } from './files.js';
import { encodeHeader, i18n, int32, int64, str, strArray, type TagValue } from './header.js';
import { cpioPayload } from './payload.js';
import { SENSE, SIG, TAG, DIGEST_SHA256 } from './tags.js';

export interface RpmOptions {
  readonly compression: Compression;
}

/** oe-core's rpm arch names: `-` is not allowed, `all` is `noarch`. */
export const rpmArch = (arch: string): string => (arch === 'all' ? 'noarch' : arch.replaceAll('-', '_'));

const SCRIPTLETS: readonly { readonly name: ScriptName; readonly tag: number; readonly prog: number; readonly sense: number }[] = [
  { name: 'preinst', tag: TAG.PREIN, prog: TAG.PREINPROG, sense: SENSE.SCRIPT_PRE },
  { name: 'postinst', tag: TAG.POSTIN, prog: TAG.POSTINPROG, sense: SENSE.SCRIPT_POST },
  { name: 'prerm', tag: TAG.PREUN, prog: TAG.PREUNPROG, sense: SENSE.SCRIPT_PREUN },
  { name: 'postrm', tag: TAG.POSTUN, prog: TAG.POSTUNPROG, sense: SENSE.SCRIPT_POSTUN },
];

interface Scriptlet {
  readonly tag: number;
  readonly prog: number;
  readonly sense: number;
  readonly interpreter: readonly string[];
  readonly body: string;
}

/** The body without its `#!` line, which becomes the interpreter (default /bin/sh). */
function scriptlets(spec: PackageSpec): Scriptlet[] {
  return SCRIPTLETS.flatMap(({ name, tag, prog, sense }) => {
    const script = spec.scripts[name];
    if (!script) return [];
    const { interpreter, body } = splitInterpreter(script);
    const argv = interpreter.slice(2).trim().split(/\s+/).filter((a) => a !== '');
    const text = name === 'prerm' || name === 'postrm' ? `if [ "$1" = "0" ] ; then\n${withFinalNewline(body)}fi\n` : withFinalNewline(body);
    return [{ tag, prog, sense, interpreter: argv.length > 0 ? argv : ['/bin/sh'], body: text }];
  });
}

function lead(name: string): Buffer {
  const b = Buffer.alloc(96);
  Buffer.from([0xed, 0xab, 0xee, 0xdb, 3, 0]).copy(b, 0);
  b.writeUInt16BE(0, 6); // binary package
  b.writeUInt16BE(1, 8); // archnum: ignored by rpm 4
  b.write(name.slice(0, 65), 10, 'utf8');
  b.writeUInt16BE(1, 76); // Linux
  b.writeUInt16BE(5, 78); // header-style signature
  return b;
}

function mainHeader(spec: PackageSpec, opts: RpmOptions, payload: Spooled, digests: ReadonlyMap<string, string>): Buffer {
  const evr = rpmEvr(spec.version);
  const files = rpmFiles(spec.files);
  const scripts = scriptlets(spec);
  const tags = new Map<number, TagValue>([
    [TAG.HEADERI18NTABLE, strArray(['C'])],
    [TAG.NAME, str(spec.name)],
    [TAG.VERSION, str(evr.version)],
    [TAG.RELEASE, str(evr.release)],
    [TAG.SUMMARY, i18n(spec.summary || spec.description.split('\n')[0] || '.')],
    [TAG.DESCRIPTION, i18n(spec.description || '.')],
    [TAG.BUILDTIME, int32([spec.sourceDateEpoch])],
    [TAG.BUILDHOST, str('reproducible')],
    [TAG.SIZE, int32([installedBytes(files)])],
    [TAG.LICENSE, str(spec.license || 'CLOSED')],
    [TAG.GROUP, i18n(spec.section || 'Unspecified')],
    [TAG.OS, str('linux')],
    [TAG.ARCH, str(rpmArch(spec.arch))],
    [TAG.SOURCERPM, str(`${spec.recipe}-${evr.version}-${evr.release}.src.rpm`)],
    [TAG.PAYLOADFORMAT, str('cpio')],
    [TAG.PAYLOADCOMPRESSOR, str(opts.compression.kind)],
    [TAG.PAYLOADFLAGS, str(String(opts.compression.level))],
    [TAG.ENCODING, str('utf-8')],
    [TAG.PAYLOADDIGEST, strArray([payload.digest ?? ''])],
    [TAG.PAYLOADDIGESTALGO, int32([DIGEST_SHA256])],
    [TAG.PAYLOADDIGESTALT, strArray([payload.rawDigest ?? ''])],
    ...fileTags(files, digests, spec.conffiles, spec.sourceDateEpoch),
    ...dependencyTags({
      name: spec.name,
      evr: formatEvr(evr),
      relations: spec.relations,
      scriptlets: scripts.map((s) => ({ sense: s.sense, interpreter: s.interpreter[0] ?? '/bin/sh' })),
      hasFiles: files.length > 0,
      compression: opts.compression,
    }),
  ]);
  if (evr.epoch !== undefined) tags.set(TAG.EPOCH, int32([evr.epoch]));
  if (spec.maintainer) tags.set(TAG.PACKAGER, str(spec.maintainer));
  if (spec.homepage) tags.set(TAG.URL, str(spec.homepage));
  for (const s of scripts) {
    tags.set(s.tag, str(s.body));
    tags.set(s.prog, s.interpreter.length === 1 ? str(s.interpreter[0] ?? '') : strArray(s.interpreter));
  }
  return encodeHeader(TAG.HEADERIMMUTABLE, tags);
}

function signatureHeader(header: Buffer, payload: Spooled): Buffer {
  const total = header.length + payload.size;
  const big = total > 0xffffffff || payload.rawSize > 0xffffffff;
  const tags = new Map<number, TagValue>([
    [SIG.SHA1, str(createHash('sha1').update(header).digest('hex'))],
    [SIG.SHA256, str(createHash('sha256').update(header).digest('hex'))],
    big ? [SIG.LONGSIZE, int64([total])] : [SIG.SIZE, int32([total])],
    big ? [SIG.LONGARCHIVESIZE, int64([payload.rawSize])] : [SIG.PAYLOADSIZE, int32([payload.rawSize])],
  ]);
  const sig = encodeHeader(SIG.HEADERSIGNATURES, tags);
  return Buffer.concat([sig, Buffer.alloc((8 - (sig.length % 8)) % 8)]);
}

export function createRpmWriter(opts: RpmOptions): PackageWriter {
  if (opts.compression.kind === 'none') throw new CompressorError('rpm payloads are always compressed', undefined, 'set RPM_COMPRESSOR to zstd, xz or gzip');
  return {
    format: 'rpm',
    archDir: (spec) => rpmArch(spec.arch),
    fileName: (spec) => {
      const evr = rpmEvr(spec.version);
      return `${spec.name}-${evr.version}-${evr.release}.${rpmArch(spec.arch)}.rpm`;
    },
    async write(spec: PackageSpec, path: string, ctx: WriteContext): Promise<void> {
      const payloadFile = join(ctx.tmpDir, `${spec.name}.rpm.payload`);
      const signal = ctx.signal ? { signal: ctx.signal } : {};
      try {
        const digests = new Map<string, string>();
        const files = rpmFiles(spec.files);
        const payload = await spool(cpioPayload(files, ctx.payloadRoot, spec.sourceDateEpoch, digests), {
          compression: opts.compression,
          path: payloadFile,
          digest: 'sha256',
          ...signal,
        });
        const header = mainHeader(spec, opts, payload, digests);
        const evr = rpmEvr(spec.version);
        const out = new PackageFile(path);
        try {
          out.write(lead(`${spec.name}-${formatEvr(evr)}`));
          out.write(signatureHeader(header, payload));
          out.write(header);
          await out.copy(payloadFile, ctx.signal);
        } finally {
          out.close();
        }
      } finally {
        await rm(payloadFile, { force: true });
      }
    },
  };
}

/** RPM_COMPRESSOR names the payload compressor (zstd or xz, as rpm reads them). */
export function rpmWriterFromSettings(get: Settings): PackageWriter {
  return createRpmWriter({ compression: compressionSetting(get, 'RPM_COMPRESSOR', 'zstd') });
}
