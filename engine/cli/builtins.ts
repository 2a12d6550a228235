/**
 * The python tasks tsbake runs in TypeScript, by task name (ARCHITECTURE.md §3.9): the
 * composition root binds each to its domain module and hands the map to the pipeline.
 */
import { FETCH_BUILTINS } from '../fetch/tasks.js';
import { debWriterFromSettings } from '../package/deb/writer.js';
import { writePackages } from '../package/deploy/write-packages.js';
import { ipkWriterFromSettings } from '../package/ipk/writer.js';
import { rpmWriterFromSettings } from '../package/rpm/writer.js';
import { doPackage } from '../package/split/do-package.js';
import { doPackagedata } from '../package/split/do-packagedata.js';
import { tarWriterFromSettings } from '../package/tar/writer.js';
import type { TaskBuiltin, TaskBuiltins } from '../run/builtin.js';
import { imageBuiltins, type WriterFactory } from './image-builtins.js';

/** Each package format's writer, made from a recipe's settings (do_package_write_<fmt> and the rootfs use them). */
const WRITERS: ReadonlyMap<string, WriterFactory> = new Map([
  ['deb', debWriterFromSettings],
  ['rpm', rpmWriterFromSettings],
  ['ipk', ipkWriterFromSettings],
  ['tar', tarWriterFromSettings],
]);

export function taskBuiltins(): TaskBuiltins {
  return new Map<string, TaskBuiltin>([
    ...FETCH_BUILTINS, // do_fetch, do_unpack, do_patch
    ['do_package', doPackage],
    ['do_packagedata', doPackagedata],
    // do_package_write_<fmt>: package writers (package_<fmt>.bbclass)
    ...[...WRITERS].map(([fmt, make]): [string, TaskBuiltin] => [`do_package_write_${fmt}`, (ctx) => writePackages(ctx, fmt, make)]),
    // images (engine/rootfs)
    ...imageBuiltins(WRITERS),
  ]);
}
