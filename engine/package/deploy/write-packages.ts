/**
 * do_package_write_<fmt>: every package do_package split out (`${PKGDEST}/<pkg>.spec.json`
 * with its payload in `${PKGDEST}/<pkg>/`) is written by the format's writer into
 * `${PKGWRITEDIR<FMT>}/<arch dir>/`, through a temp file renamed into place. The task is
 * shared state: the engine then stores that directory and installs it into
 * `${DEPLOY_DIR_<FMT>}` (the task's [sstate-outputdirs]).
 */
import { mkdir, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { TsbakeError } from '../../core/errors.js';
import { tempName } from '../../core/fs.js';
import { asText } from '../../metadata/datastore.js';
import type { BuiltinContext } from '../../run/builtin.js';
import type { PackageWriter } from '../model/writer.js';
import { parseSpec } from './spec-file.js';

export class PackageWriteError extends TsbakeError {
  readonly code = 'E_PACKAGE_WRITE';
}

/** `deb` → the directory variable oe-core uses (PKGWRITEDIRDEB). */
const writeDirVar = (format: string): string => `PKGWRITEDIR${format.toUpperCase()}`;

export async function writePackages(ctx: BuiltinContext, format: string, makeWriter: (get: (name: string) => string) => PackageWriter): Promise<void> {
  const get = (name: string): string => asText(ctx.store.getVar(name));
  const pkgdest = get('PKGDEST');
  const outDir = get(writeDirVar(format));
  if (!pkgdest || !outDir) throw new PackageWriteError(`PKGDEST or ${writeDirVar(format)} is not set`, undefined, `inherit package_${format}`);
  const writer = makeWriter(get);
  const specs = (await readdir(pkgdest).catch(() => [] as string[])).filter((n) => n.endsWith('.spec.json')).sort();
  if (specs.length === 0) ctx.log(`NOTE: no packages in ${pkgdest}`);
  const tmpDir = await mkdtemp(join(get('T') || outDir, `package-write-${format}-`));
  try {
    for (const name of specs) {
      ctx.signal.throwIfAborted();
      const file = join(pkgdest, name);
      const spec = parseSpec(await readFile(file, 'utf8'), file);
      const dir = join(outDir, writer.archDir(spec));
      await mkdir(dir, { recursive: true });
      const target = join(dir, writer.fileName(spec));
      const tmp = tempName(target);
      try {
        await writer.write(spec, tmp, { payloadRoot: join(pkgdest, spec.name), tmpDir, signal: ctx.signal });
        await rename(tmp, target);
      } catch (e) {
        await rm(tmp, { force: true });
        throw e;
      }
      ctx.log(`NOTE: wrote ${target}`);
    }
  } finally {
    await rm(tmpDir, { recursive: true, force: true });
  }
}
