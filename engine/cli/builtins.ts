/**
 * The python tasks tsbake runs in TypeScript, by task name (ARCHITECTURE.md §3.9): the
 * composition root binds each to its domain module and hands the map to the pipeline.
 */
import { FETCH_BUILTINS } from '../fetch/tasks.js';
import { writePackages } from '../package/deploy/write-packages.js';
import { debWriterFromSettings } from '../package/deb/writer.js';
import { ipkWriterFromSettings } from '../package/ipk/writer.js';
import { rpmWriterFromSettings } from '../package/rpm/writer.js';
import { tarWriterFromSettings } from '../package/tar/writer.js';
import type { TaskBuiltin, TaskBuiltins } from '../run/builtin.js';
import { doPackage } from '../package/split/do-package.js';
import { doPackagedata } from '../package/split/do-packagedata.js';

export function taskBuiltins(): TaskBuiltins {
  return new Map<string, TaskBuiltin>([
    ...FETCH_BUILTINS, // do_fetch, do_unpack, do_patch
    ['do_package', doPackage],
    ['do_packagedata', doPackagedata],
    // do_package_write_<fmt>: package writers (package_<fmt>.bbclass)
    ['do_package_write_deb', (ctx) => writePackages(ctx, 'deb', debWriterFromSettings)],
    ['do_package_write_rpm', (ctx) => writePackages(ctx, 'rpm', rpmWriterFromSettings)],
    ['do_package_write_ipk', (ctx) => writePackages(ctx, 'ipk', ipkWriterFromSettings)],
    ['do_package_write_tar', (ctx) => writePackages(ctx, 'tar', tarWriterFromSettings)],
  ]);
}
