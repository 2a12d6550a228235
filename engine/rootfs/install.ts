/**
 * The install engine (ARCHITECTURE.md §4 "Rootfs"): packages in dependency order, each one's
 * preinst then its unpack; then every postinst in the same order. The `$D` rules decide what a
 * postinst's outcome means:
 *  - exit 0: ran (the package is `installed`);
 *  - asked to be deferred (a wrapped pkg_postinst_ontarget): saved as
 *    /etc/<fmt>-postinsts/NNN-<pkg> for run-postinsts, the package stays `unpacked`;
 *  - failed: the image fails (oe-core today), or with ROOTFS_POSTINST_FAILURE = "defer" (the
 *    older rules) it is deferred like the above, with a warning;
 *  - anything deferred on a read-only-rootfs image fails the image.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { TsbakeError } from '../core/errors.js';
import { forgetDirs, writeFileAtomic } from '../core/fs.js';
import type { PackageSpec } from '../package/model/spec.js';
import type { InstalledPackage, OpenedPackage, PackageState, RootfsBackend } from './backend.js';
import type { Closure } from './closure.js';
import { removeDeferralRecords, runScript, type ScriptHost, type ScriptResult } from './scripts.js';
import type { UnpackedEntry } from './unpack.js';

/** What a failing postinst does: fail the image (oe-core today) or defer it (the older rules). */
export type PostinstFailure = 'fail' | 'defer';

export class RootfsScriptError extends TsbakeError {
  readonly code = 'E_ROOTFS_SCRIPT';
}

export class FileConflictError extends TsbakeError {
  readonly code = 'E_ROOTFS_FILE_CONFLICT';
}

export interface InstallRequest {
  readonly closure: Closure;
  readonly backend: RootfsBackend;
  /** The package file built for `spec` (in DEPLOY_DIR_<FMT>). */
  readonly packageFile: (spec: PackageSpec) => string;
  readonly host: ScriptHost;
  readonly onPostinstFailure: PostinstFailure;
  readonly readOnlyRootfs: boolean;
  /** The task log, named in failures. */
  readonly logFile: string;
  readonly log: (line: string) => void;
  readonly warn: (message: string) => void;
}

export interface InstallReport {
  readonly packages: readonly OpenedPackage[];
  /** Packages whose postinst ran at rootfs time. */
  readonly ran: readonly string[];
  /** Packages whose postinst waits for first boot, in run order, with the saved script's path. */
  readonly deferred: ReadonlyArray<{ readonly pkg: string; readonly script: string }>;
}

/** `['a', 'b']`, as oe-core prints the list in its message. */
const pyList = (names: readonly string[]): string => `[${names.map((n) => `'${n}'`).join(', ')}]`;

const indent = (output: string): string =>
  output
    .trimEnd()
    .split('\n')
    .map((l) => `| ${l}`)
    .join('\n');

function scriptFailure(what: 'Preinstall' | 'Postinstall', failed: ReadonlyArray<readonly [string, ScriptResult]>, logFile: string): RootfsScriptError {
  const head =
    what === 'Postinstall'
      ? `Postinstall scriptlets of ${pyList(failed.map(([p]) => p))} have failed. If the intention is to defer them to first boot, then please place them into pkg_postinst_ontarget:\${PN} ().`
      : `Preinstall scriptlets of ${pyList(failed.map(([p]) => p))} have failed.`;
  const outputs = failed.map(([p, r]) => `${p} ${what === 'Postinstall' ? 'postinst' : 'preinst'} (exit code ${String(r.code)}):\n${indent(r.output) || '| (no output)'}`);
  return new RootfsScriptError(`${head}\n${outputs.join('\n')}\nDetails of the failure are in ${logFile}.`);
}

/** Which package owns each path, so a file of another package is overwritten only with RREPLACES. */
class FileOwners {
  readonly #owner = new Map<string, PackageSpec>();

  check(spec: PackageSpec, path: string): void {
    const other = this.#owner.get(path);
    if (!other || other.name === spec.name) return;
    if (spec.relations.replaces.some((r) => r.name === other.name)) return;
    throw new FileConflictError(`${spec.name}: trying to overwrite '${path}', which is also in package ${other.name}`, undefined, `add RREPLACES:${spec.name} = "${other.name}" if ${spec.name} is meant to take the file over`);
  }

  record(spec: PackageSpec, entries: readonly UnpackedEntry[]): void {
    for (const e of entries) if (e.kind !== 'dir') this.#owner.set(e.path, spec);
  }
}

async function unpackAll(req: InstallRequest): Promise<Array<{ opened: OpenedPackage; entries: readonly UnpackedEntry[] }>> {
  const owners = new FileOwners();
  const out: Array<{ opened: OpenedPackage; entries: readonly UnpackedEntry[] }> = [];
  for (const spec of req.closure.packages) {
    const opened = await req.backend.open(spec, req.packageFile(spec));
    const preinst = opened.scripts.preinst;
    if (preinst !== undefined) {
      const r = await runScript(req.host, spec.name, 'preinst', preinst, req.backend.scriptArgs.preinst);
      req.log(`${spec.name}: preinst exit ${String(r.code)}${r.output ? `\n${indent(r.output)}` : ''}`);
      if (!r.ok) throw scriptFailure('Preinstall', [[spec.name, r]], req.logFile);
    }
    const entries = await req.backend.unpack(opened, (path) => owners.check(spec, path));
    owners.record(spec, entries);
    out.push({ opened, entries });
  }
  return out;
}

export async function installPackages(req: InstallRequest): Promise<InstallReport> {
  forgetDirs(req.host.root);
  mkdirSync(req.host.root, { recursive: true });
  mkdirSync(req.host.scratch, { recursive: true });
  const unpacked = await unpackAll(req);
  const ran: string[] = [];
  const deferred: OpenedPackage[] = [];
  const failed: Array<[string, ScriptResult]> = [];
  for (const { opened } of unpacked) {
    const postinst = opened.scripts.postinst;
    if (postinst === undefined) continue;
    const name = opened.spec.name;
    const r = await runScript(req.host, name, 'postinst', postinst, req.backend.scriptArgs.postinst);
    req.log(`${name}: postinst exit ${String(r.code)}${r.deferred ? ' (deferred to first boot)' : ''}${r.output ? `\n${indent(r.output)}` : ''}`);
    if (r.ok && !r.deferred) ran.push(name);
    else if (r.ok) deferred.push(opened);
    else if (req.onPostinstFailure === 'defer') {
      req.warn(`The postinst of ${name} failed at rootfs time (exit code ${String(r.code)}); it is deferred to first boot (ROOTFS_POSTINST_FAILURE = "defer")`);
      deferred.push(opened);
    } else failed.push([name, r]);
  }
  removeDeferralRecords(req.host.root);
  if (failed.length > 0) throw scriptFailure('Postinstall', failed, req.logFile);
  if (deferred.length > 0 && req.readOnlyRootfs) {
    throw new RootfsScriptError(`The following packages could not be configured offline and rootfs is read-only: ${pyList(deferred.map((p) => p.spec.name))}`, undefined, 'remove read-only-rootfs from IMAGE_FEATURES, or make these postinsts work with $D at rootfs time');
  }
  const saved = saveDeferred(req, deferred);
  const states = new Map<string, PackageState>(deferred.map((p) => [p.spec.name, 'unpacked']));
  const installed: InstalledPackage[] = unpacked.map(({ opened, entries }) => ({
    opened,
    entries,
    state: states.get(opened.spec.name) ?? 'installed',
    requested: req.closure.requested.has(opened.spec.name),
  }));
  await req.backend.commit(installed);
  return { packages: unpacked.map((u) => u.opened), ran, deferred: saved };
}

/** /etc/<fmt>-postinsts/NNN-<pkg>, numbered in install (dependency) order, for run-postinsts. */
function saveDeferred(req: InstallRequest, deferred: readonly OpenedPackage[]): Array<{ pkg: string; script: string }> {
  const dir = `/etc/${req.backend.format}-postinsts`;
  return deferred.map((p, i) => {
    const script = `${dir}/${String(i).padStart(3, '0')}-${p.spec.name}`;
    writeFileAtomic(join(req.host.root, script), p.scripts.postinst ?? '', 0o755);
    return { pkg: p.spec.name, script };
  });
}
