/**
 * The DEB and IPK backends: both read an `ar` package with a control.tar, and keep a status
 * file plus info/ (db/dpkg.ts, db/opkg.ts).
 */
import type { PackageSpec } from '../package/model/spec.js';
import type { InstalledPackage, MaintainerScript, OpenedPackage, RootfsBackend } from './backend.js';
import { SCRIPT_NAMES } from '../package/model/scripts.js';
import type { ControlPackage } from './db/control-db.js';
import { DPKG_DIR, writeDpkgDatabase } from './db/dpkg.js';
import { OPKG_DIR, writeOpkgDatabase } from './db/opkg.js';
import { controlFields, openDebianPackage, type DebianPackageFile } from './package-file.js';
import { unpackInto, type OverwriteCheck, type UnpackedEntry } from './unpack.js';


class ControlBackend implements RootfsBackend {
  readonly #files = new Map<string, DebianPackageFile>();
  readonly scriptArgs = { preinst: ['install'], postinst: ['configure'] } as const;

  constructor(
    readonly format: 'deb' | 'ipk',
    readonly dataDirs: readonly string[],
    readonly root: string,
    readonly write: (packages: readonly ControlPackage[]) => void,
  ) {}

  async open(spec: PackageSpec, file: string): Promise<OpenedPackage> {
    const pkg = await openDebianPackage(file);
    this.#files.set(spec.name, pkg);
    const fields = new Map(controlFields(pkg.control.get('control')?.toString('utf8') ?? ''));
    const scripts: Partial<Record<MaintainerScript, string>> = {};
    for (const s of SCRIPT_NAMES) {
      const text = pkg.control.get(s);
      if (text) scripts[s] = text.toString('utf8');
    }
    return { spec, file, arch: fields.get('Architecture') ?? spec.arch, version: fields.get('Version') ?? '', scripts };
  }

  #file(pkg: OpenedPackage): DebianPackageFile {
    const f = this.#files.get(pkg.spec.name);
    if (!f) throw new Error(`unreachable: ${pkg.spec.name} was not opened`);
    return f;
  }

  unpack(pkg: OpenedPackage, check: OverwriteCheck): Promise<readonly UnpackedEntry[]> {
    return unpackInto(this.root, this.#file(pkg).data(), check);
  }

  commit(packages: readonly InstalledPackage[]): Promise<void> {
    this.write(packages.map((p) => ({ ...p, control: this.#file(p.opened).control })));
    return Promise.resolve();
  }
}

export const dpkgBackend = (root: string): RootfsBackend => new ControlBackend('deb', [DPKG_DIR], root, (p) => writeDpkgDatabase(root, p));

export const opkgBackend = (root: string, installedTime: number): RootfsBackend =>
  new ControlBackend('ipk', [OPKG_DIR, '/var/cache/opkg'], root, (p) => writeOpkgDatabase(root, p, installedTime));
