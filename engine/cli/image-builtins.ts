/**
 * The image tasks' builtins (engine/rootfs/tasks.ts), bound to the package writers, which
 * alone know where each package file is in DEPLOY_DIR_<FMT>.
 */
import { join } from 'node:path';
import { asText } from '../metadata/datastore.js';
import type { PackageWriter } from '../package/model/writer.js';
import { doImage, doRootfs, ImageSettingError, type LocatorFor } from '../rootfs/tasks.js';
import type { TaskBuiltin } from '../run/builtin.js';

/** A writer made from a recipe's settings (arch names and compression come from variables). */
export type WriterFactory = (get: (name: string) => string) => PackageWriter;

export function packageLocator(writers: ReadonlyMap<string, WriterFactory>): LocatorFor {
  return (store) => {
    const made = new Map<string, PackageWriter>();
    return (format, deployDir, spec) => {
      let w = made.get(format);
      if (!w) {
        const factory = writers.get(format);
        if (!factory) throw new ImageSettingError(`no package writer for ${format}`);
        w = factory((name) => asText(store.getVar(name)));
        made.set(format, w);
      }
      return join(deployDir, w.archDir(spec), w.fileName(spec));
    };
  };
}

export function imageBuiltins(writers: ReadonlyMap<string, WriterFactory>): Array<[string, TaskBuiltin]> {
  return [
    ['do_rootfs', doRootfs(packageLocator(writers))],
    ['do_image', doImage()],
  ];
}
