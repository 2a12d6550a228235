/**
 * do_rootfs and do_image as TypeScript builtins (ARCHITECTURE.md §3.9): the image recipe's
 * settings in, a root filesystem and image files out. image.bbclass declares the tasks and
 * the variables they read (their [vardeps]), so both take part in signatures and stamps.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { byteCompare } from '../core/byte-order.js';
import { TsbakeError } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs.js';
import { asText, type DataStore } from '../metadata/datastore.js';
import type { PackageSpec } from '../package/model/spec.js';
import type { BuiltinContext, TaskBuiltin } from '../run/builtin.js';
import type { RootfsBackend, RootfsFormat } from './backend.js';
import { resolveClosure } from './closure.js';
import { dpkgBackend, opkgBackend } from './control-backend.js';
import { feedsConfig } from './feeds-config.js';
import { rpmBackend } from './db/rpm.js';
import { writeImages, writeImageText, type ImageFile } from './image.js';
import { installPackages, type InstallReport } from './install.js';
import { runScript, type ScriptHost } from './scripts.js';
import { resolveInRoot } from './unpack.js';
import { pkgdataCatalog } from './pkgdata-catalog.js';

export class ImageSettingError extends TsbakeError {
  readonly code = 'E_IMAGE_SETTING';
}

/** Where the package file for `spec` is (the writers name it); given by the composition root. */
export type PackageFileLocator = (format: RootfsFormat, deployDir: string, spec: PackageSpec) => string;
/** The locator for an image recipe (a writer's arch names depend on the recipe's settings). */
export type LocatorFor = (store: DataStore) => PackageFileLocator;

const text = (store: DataStore, name: string): string => asText(store.getVar(name)).trim();
const words = (store: DataStore, name: string): string[] => text(store, name).split(/\s+/).filter((w) => w !== '');
/**
 * The environment host tools and scripts run in: the task's, with the datastore's PATH
 * (`export PATH` in bitbake.conf) and the sbin directories, where mke2fs and useradd live.
 */
function toolEnv(ctx: BuiltinContext, epoch: number): Record<string, string> {
  const path = (text(ctx.store, 'PATH') || ctx.env['PATH'] || '/usr/bin:/bin').split(':');
  return { ...ctx.env, PATH: [...path, ...['/usr/sbin', '/sbin'].filter((d) => !path.includes(d))].join(':'), SOURCE_DATE_EPOCH: String(epoch) };
}
const required = (store: DataStore, name: string): string => {
  const v = text(store, name);
  if (v === '') throw new ImageSettingError(`${name} is not set`, undefined, `image.bbclass and conf/bitbake.conf define it`);
  return v;
};

/** The rootfs format: the first PACKAGE_CLASSES entry (`package_deb` → deb). */
export function rootfsFormat(store: DataStore): RootfsFormat {
  const first = words(store, 'PACKAGE_CLASSES')[0] ?? '';
  const fmt = first.replace(/^package_/, '');
  if (fmt === 'deb' || fmt === 'ipk' || fmt === 'rpm') return fmt;
  throw new ImageSettingError(`PACKAGE_CLASSES starts with '${first}': an image needs package_deb, package_ipk or package_rpm first`);
}

function backendFor(format: RootfsFormat, root: string, host: ScriptHost, epoch: number): RootfsBackend {
  switch (format) {
    case 'deb': return dpkgBackend(root);
    case 'ipk': return opkgBackend(root, epoch);
    case 'rpm': return rpmBackend(root, host.env); // with SOURCE_DATE_EPOCH: rpm records it as the install time
    default: {
      const never: never = format;
      throw new Error(`unreachable: ${String(never)}`);
    }
  }
}

/** ROOTFS_POSTPROCESS_COMMAND: shell functions of the recipe, by name (`;` or spaces between), run like a postinst. */
async function runPostprocess(ctx: BuiltinContext, host: ScriptHost): Promise<void> {
  const names = text(ctx.store, 'ROOTFS_POSTPROCESS_COMMAND').split(/[;\s]+/).filter((n) => n !== '');
  if (names.length === 0) return;
  const defs = [...new Set(names)].map((n) => {
    const body = ctx.store.getVar(n);
    if (body === undefined || body === null) throw new ImageSettingError(`ROOTFS_POSTPROCESS_COMMAND names ${n}, which is not defined`);
    return `${n}() {\n${asText(body)}\n}\n`;
  });
  const r = await runScript({ ...host, env: { ...host.env, IMAGE_ROOTFS: host.root } }, 'rootfs', 'postprocess', `#!/bin/sh\nset -e\n${defs.join('')}${names.join('\n')}\n`, []);
  ctx.log(`ROOTFS_POSTPROCESS_COMMAND: ${names.join(' ')} (exit ${String(r.code)})\n${r.output}`);
  if (!r.ok) throw new ImageSettingError(`ROOTFS_POSTPROCESS_COMMAND failed (exit code ${String(r.code)}): ${names.join(' ')}\n${r.output.trimEnd()}\nDetails of the failure are in ${ctx.logFile}.`);
}

/**
 * PACKAGE_FEED_URIS and friends: the target's package manager configuration for the feeds
 * (only with package-management, which the caller checks). Archs default to those the
 * deploy directory has, in PACKAGE_ARCHS order.
 */
function writeFeedConfig(s: DataStore, format: RootfsFormat, root: string, deployDir: string): void {
  const present = new Set(readdirSync(deployDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name));
  const order = words(s, 'PACKAGE_ARCHS');
  const presentArchs = [...order.filter((a) => present.has(a)), ...[...present].filter((a) => !order.includes(a)).sort(byteCompare)];
  const archs = s.getVar('PACKAGE_FEED_ARCHS');
  const files = feedsConfig({
    format,
    uris: text(s, 'PACKAGE_FEED_URIS'),
    basePaths: text(s, 'PACKAGE_FEED_BASE_PATHS'),
    archs: archs === undefined || archs === null ? undefined : asText(archs),
    presentArchs,
  });
  for (const f of files) {
    const path = resolveInRoot(root, f.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.content, { mode: 0o644 });
  }
}

/** `<pkg> <arch> <version>` lines, sorted by package, as oe-core's image manifest. */
export const manifestText = (report: InstallReport): string =>
  report.packages
    .map((p) => `${p.spec.name} ${p.arch} ${p.version}\n`)
    .sort(byteCompare)
    .join('');

function report(ctx: BuiltinContext, r: InstallReport): void {
  ctx.note(`Installed ${r.packages.length} packages; postinsts run at rootfs time: ${r.ran.join(' ') || '(none)'}`);
  if (r.deferred.length > 0) ctx.note(`Postinsts deferred to first boot (run-postinsts): ${r.deferred.map((d) => `${d.pkg} (${d.script})`).join(' ')}`);
}

/** The manifest do_rootfs leaves for do_image. */
const manifestFile = (store: DataStore): string => join(required(store, 'WORKDIR'), 'rootfs.manifest');

export function doRootfs(locatorFor: LocatorFor): TaskBuiltin {
  return async (ctx) => {
    const s = ctx.store;
    const locate = locatorFor(s);
    const format = rootfsFormat(s);
    const root = required(s, 'IMAGE_ROOTFS');
    const epoch = Number.parseInt(text(s, 'SOURCE_DATE_EPOCH') || '0', 10);
    const features = new Set(words(s, 'IMAGE_FEATURES'));
    const failure = text(s, 'ROOTFS_POSTINST_FAILURE') || 'fail';
    if (failure !== 'fail' && failure !== 'defer') throw new ImageSettingError(`ROOTFS_POSTINST_FAILURE = "${failure}": use "fail" (the default) or "defer"`);
    const deployDir = required(s, `DEPLOY_DIR_${format.toUpperCase()}`);
    const closure = resolveClosure(pkgdataCatalog(required(s, 'PKGDATA_DIR')), {
      install: words(s, 'PACKAGE_INSTALL'),
      badRecommendations: words(s, 'BAD_RECOMMENDATIONS'),
      noRecommendations: text(s, 'NO_RECOMMENDATIONS') === '1',
    });
    for (const skipped of closure.skippedRecommendations) ctx.log(`NOTE: no package provides ${skipped}; skipped`);
    const scratch = join(required(s, 'WORKDIR'), 'rootfs-scripts');
    rmSync(scratch, { recursive: true, force: true });
    const host: ScriptHost = { root, scratch, env: toolEnv(ctx, epoch), signal: ctx.signal };
    const backend = backendFor(format, root, host, epoch);
    const result = await installPackages({
      closure,
      backend,
      packageFile: (spec) => locate(format, deployDir, spec),
      host,
      onPostinstFailure: failure,
      readOnlyRootfs: features.has('read-only-rootfs'),
      logFile: ctx.logFile,
      log: ctx.log,
      warn: ctx.warn,
    });
    await runPostprocess(ctx, host);
    if (features.has('package-management')) writeFeedConfig(s, format, root, deployDir);
    else {
      // As oe-core: without package-management the image carries no package database.
      for (const dir of backend.dataDirs) rmSync(resolveInRoot(root, dir), { recursive: true, force: true });
    }
    writeFileAtomic(manifestFile(s), manifestText(result));
    report(ctx, result);
  };
}

const human = (n: number): string => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`);

/** The variables a test harness needs about the image, sorted, with no build paths in them. */
const TESTDATA_VARS = ['DISTRO', 'DISTRO_VERSION', 'IMAGE_BASENAME', 'IMAGE_FEATURES', 'IMAGE_FSTYPES', 'IMAGE_LINK_NAME', 'IMAGE_PKGTYPE', 'MACHINE', 'PACKAGE_INSTALL', 'SOURCE_DATE_EPOCH', 'TUNE_PKGARCH'];

export function doImage(now: () => Date = () => new Date()): TaskBuiltin {
  return async (ctx) => {
    const s = ctx.store;
    const linkName = required(s, 'IMAGE_LINK_NAME');
    const outDir = required(s, 'IMGDEPLOYDIR');
    const timestamp = now().toISOString().replace(/[-:T]/g, '').slice(0, 14);
    const epoch = Number.parseInt(text(s, 'SOURCE_DATE_EPOCH') || '0', 10);
    const files: ImageFile[] = await writeImages({
      rootfs: required(s, 'IMAGE_ROOTFS'),
      outDir,
      linkName,
      timestamp,
      types: words(s, 'IMAGE_FSTYPES'),
      sourceDateEpoch: epoch,
      overheadFactor: Number.parseFloat(text(s, 'IMAGE_OVERHEAD_FACTOR') || '1.3'),
      extraSpaceKiB: Number.parseInt(text(s, 'IMAGE_ROOTFS_EXTRA_SPACE') || '0', 10),
      env: toolEnv(ctx, epoch),
    });
    const req = { outDir, linkName, timestamp };
    files.push(writeImageText(req, 'manifest', readFileSync(manifestFile(s), 'utf8')));
    const testdata = Object.fromEntries(TESTDATA_VARS.map((v) => [v, text(s, v)]));
    files.push(writeImageText(req, 'testdata.json', `${JSON.stringify(testdata, null, 2)}\n`));
    const deployed = text(s, 'DEPLOY_DIR_IMAGE') || outDir;
    for (const f of files) ctx.note(`Image ${f.type}: ${join(deployed, f.link.slice(outDir.length + 1))} (${human(f.size)})`);
  };
}
