/**
 * do_packagedata as a TypeScript builtin: stages the package data do_package wrote
 * (${PKGDESTWORK}) in ${PKGDATA_STAGING}, the task's shared-state input; shared state then
 * installs it into ${PKGDATA_DIR}, where other recipes' do_package, the rootfs and the feeds
 * read it (and a later build restores it without running either task).
 */
import { existsSync, mkdirSync } from 'node:fs';
import type { BuiltinContext } from '../../run/builtin.js';
import { lookupIn, PackageSplitError } from './do-package.js';
import { runHostTool } from './host-tool.js';

export async function doPackagedata(ctx: BuiltinContext): Promise<void> {
  const lookup = lookupIn(ctx.store);
  const file = ctx.node.recipe.file;
  const work = lookup('PKGDESTWORK');
  const staging = lookup('PKGDATA_STAGING');
  if (!work || !staging) throw new PackageSplitError('PKGDESTWORK and PKGDATA_STAGING must be set', { file, line: 0 }, 'inherit package (base.bbclass does)');
  if (!existsSync(work)) throw new PackageSplitError(`${work} does not exist: do_package has not run`, { file, line: 0 });
  mkdirSync(staging, { recursive: true });
  await runHostTool('cp', ['-a', `${work}/.`, `${staging}/`], { PATH: lookup('PATH') ?? '/usr/bin:/bin' }, ctx.signal);
}
