/**
 * One package write in its own process, so the benchmark measures its wall time and peak
 * memory alone: `node package-write-child.js FORMAT SPEC_JSON PAYLOAD_ROOT OUT_DIR` writes
 * the tree under PAYLOAD_ROOT (described by SPEC_JSON, as do_package leaves it) as one package,
 * zstd level 3, as do_package_write_<fmt> does; it prints the package path and its peak memory.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { PackageWriter } from '../engine/package/model/writer.js';
import { parseSpec } from '../engine/package/deploy/spec-file.js';

const [format = '', specFile = '', payloadRoot = '', outDir = ''] = process.argv.slice(2);
const compression = { kind: 'zstd', level: 3 } as const;
// only the writer asked for is loaded: a build has its modules loaded already, a child does not
const writers: Record<string, () => Promise<PackageWriter>> = {
  deb: async () => (await import('../engine/package/deb/writer.js')).createDebWriter({ dpkgArch: 'amd64', compression }),
  rpm: async () => (await import('../engine/package/rpm/writer.js')).createRpmWriter({ compression }),
  ipk: async () => (await import('../engine/package/ipk/writer.js')).createIpkWriter({ compression }),
  tar: async () => (await import('../engine/package/tar/writer.js')).createTarWriter({ compression }),
};
const makeWriter = writers[format];
if (!makeWriter) throw new Error(`unknown format ${format}`);
const writer = await makeWriter();
const spec = parseSpec(readFileSync(specFile, 'utf8'), specFile);
const tmpDir = mkdtempSync(join(outDir, 'tmp-'));
const out = join(outDir, writer.fileName(spec));
await writer.write(spec, out, { payloadRoot, tmpDir });
rmSync(tmpDir, { recursive: true, force: true });
process.stdout.write(`${out}\npeak-rss ${process.resourceUsage().maxRSS * 1024}\n`);
