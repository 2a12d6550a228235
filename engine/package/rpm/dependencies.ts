/**
 * Runtime relations as rpm dependency sets (parallel NAME/FLAGS/VERSION arrays), as oe-core's
 * package_rpm writes them: RREPLACES become Obsoletes and also Provides, the package provides
 * itself at `E:V-R`, each scriptlet requires its interpreter, and the rpmlib() features the
 * package uses are required (rpmbuild adds them; older rpm and dnf rely on them).
 */
import type { Compression } from '../archive/compression.js';
import type { PackageRelations, Relation, RelationOp } from '../model/spec.js';
import { int32, strArray, type TagValue } from './header.js';
import { SENSE, TAG } from './tags.js';

export interface Dependency {
  readonly name: string;
  readonly flags: number;
  readonly version: string;
}

function senseOf(op: RelationOp): number {
  switch (op) {
    case '<':
      return SENSE.LESS;
    case '<=':
      return SENSE.LESS | SENSE.EQUAL;
    case '=':
      return SENSE.EQUAL;
    case '>=':
      return SENSE.GREATER | SENSE.EQUAL;
    case '>':
      return SENSE.GREATER;
    default: {
      const never: never = op;
      throw new Error(`unreachable: ${String(never)}`);
    }
  }
}

const fromRelation = (r: Relation, extra = 0): Dependency => ({
  name: r.name,
  flags: (r.constraint ? senseOf(r.constraint.op) : 0) | extra,
  version: r.constraint?.version ?? '',
});

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Sorted by name, flags, version and without repeats (rpm's dependency sets are). */
function normalise(deps: readonly Dependency[]): Dependency[] {
  const seen = new Set<string>();
  return [...deps]
    .sort((a, b) => cmp(a.name, b.name) || a.flags - b.flags || cmp(a.version, b.version))
    .filter((d) => {
      const key = `${d.name}\0${d.flags}\0${d.version}`;
      return seen.has(key) ? false : (seen.add(key), true);
    });
}

function depTags(deps: readonly Dependency[], name: number, flags: number, version: number): [number, TagValue][] {
  const sorted = normalise(deps);
  return [
    [name, strArray(sorted.map((d) => d.name))],
    [flags, int32(sorted.map((d) => d.flags))],
    [version, strArray(sorted.map((d) => d.version))],
  ];
}

const RPMLIB_FEATURES: Readonly<Record<string, string>> = {
  CompressedFileNames: '3.0.4-1',
  FileDigests: '4.6.0-1',
  PayloadFilesHavePrefix: '4.0-1',
  PayloadIsZstd: '5.4.18-1',
  PayloadIsXz: '5.2-1',
};

function rpmlib(feature: string): Dependency {
  return { name: `rpmlib(${feature})`, flags: SENSE.RPMLIB | SENSE.LESS | SENSE.EQUAL, version: RPMLIB_FEATURES[feature] ?? '' };
}

export interface DependencyInput {
  readonly name: string;
  readonly evr: string;
  readonly relations: PackageRelations;
  /** Sense flag of each scriptlet present (SCRIPT_PRE, ...), with its interpreter. */
  readonly scriptlets: readonly { readonly sense: number; readonly interpreter: string }[];
  readonly hasFiles: boolean;
  readonly compression: Compression;
}

function requirements(input: DependencyInput): Dependency[] {
  const r = input.relations;
  const reqs = r.depends.map((d) => fromRelation(d));
  for (const s of input.scriptlets) {
    reqs.push({ name: s.interpreter, flags: SENSE.INTERP | s.sense, version: '' });
    // oe-core: Requires(pre) etc. as well, so rpm installs the dependencies before a scriptlet runs
    reqs.push(...r.depends.map((d) => fromRelation(d, s.sense)));
  }
  if (input.hasFiles) reqs.push(rpmlib('CompressedFileNames'), rpmlib('FileDigests'), rpmlib('PayloadFilesHavePrefix'));
  if (input.compression.kind === 'zstd') reqs.push(rpmlib('PayloadIsZstd'));
  if (input.compression.kind === 'xz') reqs.push(rpmlib('PayloadIsXz'));
  return reqs;
}

export function dependencyTags(input: DependencyInput): [number, TagValue][] {
  const r = input.relations;
  const provided = new Set(r.provides.map((d) => d.name));
  const provides = [
    { name: input.name, flags: SENSE.EQUAL, version: input.evr },
    ...r.provides.map((d) => fromRelation(d)),
    ...r.replaces.filter((d) => !provided.has(d.name)).map((d) => fromRelation(d)),
  ];
  return [
    ...depTags(provides, TAG.PROVIDENAME, TAG.PROVIDEFLAGS, TAG.PROVIDEVERSION),
    ...depTags(requirements(input), TAG.REQUIRENAME, TAG.REQUIREFLAGS, TAG.REQUIREVERSION),
    ...depTags(r.conflicts.map((d) => fromRelation(d)), TAG.CONFLICTNAME, TAG.CONFLICTFLAGS, TAG.CONFLICTVERSION),
    ...depTags(r.replaces.map((d) => fromRelation(d)), TAG.OBSOLETENAME, TAG.OBSOLETEFLAGS, TAG.OBSOLETEVERSION),
    ...depTags(r.recommends.map((d) => fromRelation(d)), TAG.RECOMMENDNAME, TAG.RECOMMENDFLAGS, TAG.RECOMMENDVERSION),
    ...depTags(r.suggests.map((d) => fromRelation(d)), TAG.SUGGESTNAME, TAG.SUGGESTFLAGS, TAG.SUGGESTVERSION),
  ];
}
