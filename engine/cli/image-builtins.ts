/**
 * The image tasks' builtins (engine/rootfs/tasks.ts), bound to the package writers, which
 * alone know where each package file is in DEPLOY_DIR_<FMT>.
 */
import { join } from 'node:path';
import type { PackageWriter } from '../package/model/writer.js';
import { doImage, doRootfs, ImageSettingError, type PackageFileLocator } from '../rootfs/tasks.js';
import type { TaskBuiltin } from '../run/builtin.js';

export function packageLocator(writers: ReadonlyMap<string, PackageWriter>): PackageFileLocator {
  return (format, deployDir, spec) => {
    const w = writers.get(format);
    if (!w) throw new ImageSettingError(`no package writer for ${format}`);
    return join(deployDir, w.archDir(spec), w.fileName(spec));
  };
}

export function imageBuiltins(writers: ReadonlyMap<string, PackageWriter>): Array<[string, TaskBuiltin]> {
  return [
    ['do_rootfs', doRootfs(packageLocator(writers))],
    ['do_image', doImage()],
  ];
}
