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
import type { PrService } from '../prserv/pr-auto.js';
import type { TaskBuiltin, TaskBuiltins } from '../run/builtin.js';
import { asText } from '../metadata/datastore.js';
import { doPackage } from '../package/split/do-package.js';
import { doPackagedata } from '../package/split/do-packagedata.js';
import { prAuto } from '../prserv/pr-auto.js';
import { indexFeeds } from '../feed/feed-settings.js';
import { imageBuiltins, type WriterFactory } from './image-builtins.js';

/** Each package format's writer, made from a recipe's settings (do_package_write_<fmt> and the rootfs use them). */
const WRITERS: ReadonlyMap<string, WriterFactory> = new Map([
  ['deb', debWriterFromSettings],
  ['rpm', rpmWriterFromSettings],
  ['ipk', ipkWriterFromSettings],
  ['tar', tarWriterFromSettings],
]);

/** Services a build opens for its builtins. */
export interface BuildServices {
  /** The PR service PRSERV_HOST names: do_package then packages with PKGR = ${PR}.${PRAUTO}. */
  readonly prService?: PrService;
}

/**
 * do_package with a PR service: PRAUTO for (PRAUTOINX or PN-PV, PACKAGE_ARCH, do_package's
 * task hash), as oe-core's package_get_auto_pr asks for it, is set first, and
 * EXTENDPRAUTO = ".${PRAUTO}" puts it into PKGR. The same hash keeps its value, so a build
 * and BitBake with the same signature share one PR server's values.
 */
function withPrAuto(run: TaskBuiltin, service: PrService | undefined): TaskBuiltin {
  if (!service) return run;
  return async (ctx) => {
    const get = (name: string): string => asText(ctx.store.getVar(name)) ?? '';
    const key = { version: get('PRAUTOINX') || `${get('PN')}-${get('PV')}`, pkgarch: get('PACKAGE_ARCH'), checksum: ctx.taskhash };
    const value = await prAuto(service, key);
    // A copy: the recipe's datastore stays as it was hashed.
    const store = ctx.store.createCopy();
    store.setVar('PRAUTO', value);
    store.setVar('EXTENDPRAUTO', `.${value}`);
    ctx.log(`NOTE: PRAUTO ${value} for ${key.version} ${key.pkgarch} (do_package ${key.checksum})`);
    await run({ ...ctx, store });
  };
}

export function taskBuiltins(services: BuildServices = {}): TaskBuiltins {
  return new Map<string, TaskBuiltin>([
    ...FETCH_BUILTINS, // do_fetch, do_unpack, do_patch
    ['do_package', withPrAuto(doPackage, services.prService)],
    ['do_packagedata', doPackagedata],
    // do_package_write_<fmt>: package writers (package_<fmt>.bbclass)
    ...[...WRITERS].map(([fmt, make]): [string, TaskBuiltin] => [`do_package_write_${fmt}`, (ctx) => writePackages(ctx, fmt, make)]),
    // do_package_index (recipes/recipes-core/meta/package-index.bb): `tsbake package-index` as a task
    ['do_package_index', async (ctx) => {
      for (const line of await indexFeeds((name) => asText(ctx.store.getVar(name)) || undefined)) ctx.log(line);
    }],
    // images (engine/rootfs)
    ...imageBuiltins(WRITERS),
  ]);
}
