/**
 * Small packages for rootfs tests, built with the real tools (dpkg-deb for .deb and .ipk,
 * rpmbuild for .rpm) from a PackageSpec written by hand, as do_package would describe them.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { PackageSpec, Relation } from '../../engine/package/model/spec.js';
import type { PackageCatalog } from '../../engine/rootfs/closure.js';

export interface FixturePackage {
  readonly name: string;
  readonly version?: string;
  readonly depends?: readonly string[];
  readonly recommends?: readonly string[];
  readonly provides?: readonly string[];
  readonly conflicts?: readonly string[];
  readonly replaces?: readonly string[];
  /** Target path → content (mode 0755 when it starts with #!). */
  readonly files?: Readonly<Record<string, string>>;
  readonly preinst?: string;
  readonly postinst?: string;
}

const rel = (text: string): Relation => {
  const m = /^(\S+)(?: \((<|<=|=|>=|>) (\S+)\))?$/.exec(text);
  if (!m?.[1]) throw new Error(`bad relation ${text}`);
  return m[2] && m[3] ? { name: m[1], constraint: { op: m[2] as '<' | '<=' | '=' | '>=' | '>', version: m[3] } } : { name: m[1] };
};

export function fixtureSpec(p: FixturePackage): PackageSpec {
  const [version = '1.0', release = 'r0'] = (p.version ?? '1.0-r0').split('-');
  return {
    name: p.name,
    recipe: p.name,
    version: { epoch: '', version, release },
    arch: 'core2-64',
    summary: `${p.name} test package`,
    description: `${p.name} test package`,
    section: 'base',
    priority: 'optional',
    license: 'MIT',
    homepage: '',
    maintainer: 'tsbake tests <tests@example.com>',
    relations: { depends: (p.depends ?? []).map(rel), recommends: (p.recommends ?? []).map(rel), suggests: [], provides: (p.provides ?? []).map(rel), conflicts: (p.conflicts ?? []).map(rel), replaces: (p.replaces ?? []).map(rel) },
    scripts: { ...(p.preinst ? { preinst: p.preinst } : {}), ...(p.postinst ? { postinst: p.postinst } : {}) },
    conffiles: [],
    files: [],
    installedSize: 0,
    sourceDateEpoch: 1700000000,
  };
}

export function catalogOf(specs: readonly PackageSpec[]): PackageCatalog {
  const byName = new Map(specs.map((s) => [s.name, s]));
  return {
    get: (name) => byName.get(name),
    providers: (name) => specs.filter((s) => s.relations.provides.some((r) => r.name === name)).map((s) => s.name),
  };
}

const relText = (r: Relation, op = (o: string): string => o): string => (r.constraint ? `${r.name} (${op(r.constraint.op)} ${r.constraint.version})` : r.name);
const debOp = (o: string): string => (o === '<' ? '<<' : o === '>' ? '>>' : o);

function run(cmd: string, args: readonly string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, SOURCE_DATE_EPOCH: '1700000000' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

function writeTree(root: string, files: Readonly<Record<string, string>>): void {
  for (const [path, content] of Object.entries(files)) {
    const p = join(root, path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
    chmodSync(p, content.startsWith('#!') ? 0o755 : 0o644);
  }
}

/** A .deb (or, with `format: 'ipk'`, an .ipk: the same ar layout with gzip members). */
export function buildControlPackage(p: FixturePackage, outDir: string, format: 'deb' | 'ipk'): string {
  const spec = fixtureSpec(p);
  const tree = mkdtempSync(join(tmpdir(), 'tsbake-pkg-'));
  writeTree(tree, p.files ?? {});
  mkdirSync(join(tree, 'DEBIAN'));
  const r = spec.relations;
  const fields: Array<[string, string]> = [
    ['Package', p.name],
    ['Version', p.version ?? '1.0-r0'],
    ['Architecture', format === 'deb' ? 'amd64' : 'core2-64'],
    ['Maintainer', spec.maintainer],
    ['Depends', r.depends.map((x) => relText(x, debOp)).join(', ')],
    ['Recommends', r.recommends.map((x) => relText(x, debOp)).join(', ')],
    ['Provides', r.provides.map((x) => relText(x, debOp)).join(', ')],
    ['Conflicts', r.conflicts.map((x) => relText(x, debOp)).join(', ')],
    ['Replaces', r.replaces.map((x) => relText(x, debOp)).join(', ')],
    ['Description', spec.summary],
  ];
  writeFileSync(join(tree, 'DEBIAN/control'), fields.filter(([, v]) => v !== '').map(([k, v]) => `${k}: ${v}\n`).join(''));
  for (const s of ['preinst', 'postinst'] as const) {
    const text = p[s];
    if (text) writeFileSync(join(tree, 'DEBIAN', s), text, { mode: 0o755 });
  }
  const out = join(outDir, `${p.name}_${p.version ?? '1.0-r0'}.${format}`);
  run('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', tree, out]);
  return out;
}

/** An .rpm built with rpmbuild from a generated spec file. */
export function buildRpmPackage(p: FixturePackage, outDir: string): string {
  const top = mkdtempSync(join(tmpdir(), 'tsbake-rpmbuild-'));
  const spec = fixtureSpec(p);
  const rpmOp = (o: string): string => o;
  const r = spec.relations;
  const files = Object.keys(p.files ?? {});
  const lines = [
    `Name: ${p.name}`,
    `Version: ${spec.version.version}`,
    `Release: ${spec.version.release}`,
    'Summary: test package',
    'License: MIT',
    'BuildArch: x86_64',
    'AutoReqProv: no',
    ...r.depends.map((x) => `Requires: ${relText(x, rpmOp).replace(/[()]/g, '')}`),
    ...r.provides.map((x) => `Provides: ${relText(x, rpmOp).replace(/[()]/g, '')}`),
    ...r.conflicts.map((x) => `Conflicts: ${relText(x, rpmOp).replace(/[()]/g, '')}`),
    ...r.replaces.map((x) => `Obsoletes: ${relText(x, rpmOp).replace(/[()]/g, '')}`),
    '%description',
    'test package',
    '%install',
    ...Object.entries(p.files ?? {}).map(([path, content]) => `mkdir -p %{buildroot}$(dirname ${path}) && printf '%s' '${content.replace(/'/g, "'\\''").replace(/%/g, '%%')}' > %{buildroot}${path} && chmod ${content.startsWith('#!') ? '0755' : '0644'} %{buildroot}${path}`),
    ...(p.preinst ? ['%pre', p.preinst.replace(/^#!.*\n/, '')] : []),
    ...(p.postinst ? ['%post', p.postinst.replace(/^#!.*\n/, '')] : []),
    '%files',
    ...files,
  ];
  writeFileSync(join(top, 'pkg.spec'), `${lines.join('\n')}\n`);
  run('rpmbuild', ['-bb', '--define', `_topdir ${top}`, '--define', `_rpmdir ${outDir}`, '--define', '_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm', '--define', 'use_source_date_epoch_as_buildtime 1', '--define', '_buildhost tsbake', join(top, 'pkg.spec')]);
  return join(outDir, `${p.name}-${spec.version.version}-${spec.version.release}.x86_64.rpm`);
}
