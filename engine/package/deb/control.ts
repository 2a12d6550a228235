/**
 * The DEBIAN/control paragraph, fields as oe-core's package_deb writes them, plus
 * Installed-Size (what dpkg-gencontrol adds). dpkg allows no `(`, `:`, `)` or `/` in a
 * relation name, so oe-core rewrites them to `__`; Provides carry no versions and no paths.
 */
import { withParentDirs } from '../archive/payload.js';
import { byName, controlDescription, dpkgRelations, renderControl } from '../model/control.js';
import { installedSizeKiB } from '../model/installed-size.js';
import type { PackageSpec, Relation } from '../model/spec.js';
import { debianVersion } from '../model/versions.js';

function remapName(name: string): string {
  if (!/[(:)/]/.test(name)) return name;
  const mapped = name.replace(/[(:)/]/g, '__');
  return mapped.startsWith('__') ? `A${mapped}` : mapped;
}

const remap = (rs: readonly Relation[]): Relation[] => rs.map((r) => ({ ...r, name: remapName(r.name) }));

export function debControl(spec: PackageSpec, architecture: string): string {
  const r = spec.relations;
  const depends = remap(r.depends.filter((d) => d.name !== spec.name && !d.name.includes('*')));
  const provides = remap(r.provides.filter((p) => !p.name.startsWith('/'))).sort(byName);
  return renderControl([
    ['Package', spec.name],
    ['Multi-Arch', spec.arch === 'all' ? 'foreign' : ''],
    ['Version', debianVersion(spec.version)],
    ['Description', controlDescription(spec.summary, spec.description)],
    ['Section', spec.section],
    ['Priority', spec.priority],
    ['Maintainer', spec.maintainer],
    ['Architecture', architecture],
    ['Installed-Size', String(installedSizeKiB(withParentDirs(spec.files)))],
    ['OE', spec.recipe],
    ['PackageArch', spec.arch.replaceAll('_', '-')],
    ['Homepage', spec.homepage],
    ['Depends', dpkgRelations(depends)],
    ['Suggests', dpkgRelations(remap(r.suggests))],
    ['Recommends', dpkgRelations(remap(r.recommends.filter((d) => !d.name.includes('*'))))],
    ['Provides', dpkgRelations(provides, false)],
    ['Replaces', dpkgRelations(remap(r.replaces))],
    ['Conflicts', dpkgRelations(remap(r.conflicts))],
  ]);
}
