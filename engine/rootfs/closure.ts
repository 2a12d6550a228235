/**
 * Which packages an image installs, and in what order (ARCHITECTURE.md §4 "Rootfs"): the
 * closure of IMAGE_INSTALL over RDEPENDS and RRECOMMENDS, names resolved through RPROVIDES,
 * RCONFLICTS checked, then a topological order over RDEPENDS with ties broken by name.
 * Pure: package data comes in through a PackageCatalog.
 */
import { TsbakeError } from '../core/errors.js';
import { vercmp, type Version } from '../core/version.js';
import type { PackageSpec, PackageVersion, Relation } from '../package/model/spec.js';
import { byteCompare } from '../core/byte-order.js';

/** The packages the build produced, as package data describes them. */
export interface PackageCatalog {
  /** The package called exactly `name`. */
  get(name: string): PackageSpec | undefined;
  /** Names of the packages that RPROVIDE `name`. */
  providers(name: string): readonly string[];
}

export interface ClosureRequest {
  /** IMAGE_INSTALL and the packages the image features add, as written. */
  readonly install: readonly string[];
  readonly badRecommendations: readonly string[];
  /** NO_RECOMMENDATIONS = "1": recommendations are not followed. */
  readonly noRecommendations: boolean;
}

export interface Closure {
  /** Install order: every package after the packages it RDEPENDS on, ties by name. */
  readonly packages: readonly PackageSpec[];
  /** The packages IMAGE_INSTALL named (after RPROVIDES), as opposed to dependencies. */
  readonly requested: ReadonlySet<string>;
  /** Recommendations that nothing provides: skipped, as the package managers do. */
  readonly skippedRecommendations: readonly string[];
}

/** The image's packages cannot be resolved: a missing provider, a conflict or a cycle. */
export class RootfsDependencyError extends TsbakeError {
  readonly code = 'E_ROOTFS_DEPENDS';
}

const WANTED = 'IMAGE_INSTALL';

export const relationText = (r: Relation): string => (r.constraint ? `${r.name} (${r.constraint.op} ${r.constraint.version})` : r.name);

export function formatPackageVersion(v: PackageVersion): string {
  return `${v.epoch ? `${v.epoch}:` : ''}${v.version}${v.release ? `-${v.release}` : ''}`;
}

/** `[epoch:]version[-release]` as written in a relation. */
function parseVersion(text: string): Version {
  const colon = text.indexOf(':');
  const pe = colon > 0 && /^\d+$/.test(text.slice(0, colon)) ? text.slice(0, colon) : undefined;
  const rest = pe === undefined ? text : text.slice(colon + 1);
  const dash = rest.lastIndexOf('-');
  return dash > 0 ? { pe, pv: rest.slice(0, dash), pr: rest.slice(dash + 1) } : { pe, pv: rest, pr: '' };
}

/** Does version `have` satisfy `r`'s constraint? A constraint without release ignores the release. */
export function satisfies(have: string, r: Relation): boolean {
  if (!r.constraint) return true;
  const want = parseVersion(r.constraint.version);
  const got = parseVersion(have);
  const c = vercmp(want.pr === '' ? { ...got, pr: '' } : got, want);
  switch (r.constraint.op) {
    case '<': return c < 0;
    case '<=': return c <= 0;
    case '=': return c === 0;
    case '>=': return c >= 0;
    case '>': return c > 0;
    default: {
      const never: never = r.constraint.op;
      throw new Error(`unreachable: ${String(never)}`);
    }
  }
}

/** Does package `p` answer to `r`, by its name or one of its RPROVIDES? */
function answers(p: PackageSpec, r: Relation): boolean {
  if (p.name === r.name) return satisfies(formatPackageVersion(p.version), r);
  return p.relations.provides.some((pr) => pr.name === r.name && (!r.constraint || (pr.constraint !== undefined && satisfies(pr.constraint.version, r))));
}

class Resolver {
  readonly chosen = new Map<string, PackageSpec>();
  /** package → the package (or IMAGE_INSTALL) that first pulled it in. */
  readonly neededBy = new Map<string, string>();
  /** package → the packages its RDEPENDS resolved to. */
  readonly edges = new Map<string, string[]>();
  readonly skipped: string[] = [];
  readonly #queue: PackageSpec[] = [];

  constructor(
    readonly catalog: PackageCatalog,
    readonly request: ClosureRequest,
  ) {}

  /** Why `pkg` is in the image: `hello <- hello-demo <- IMAGE_INSTALL`. */
  chain(pkg: string): string {
    const names = [pkg];
    for (let at = this.neededBy.get(pkg); at !== undefined && !names.includes(at); at = this.neededBy.get(at)) names.push(at);
    return names.join(' <- ');
  }

  #candidates(r: Relation): PackageSpec[] {
    const exact = this.catalog.get(r.name);
    const provided = this.catalog.providers(r.name).flatMap((n) => this.catalog.get(n) ?? []);
    return [...(exact ? [exact] : []), ...[...provided].sort((a, b) => byteCompare(a.name, b.name))].filter((p) => answers(p, r));
  }

  /** The package for `r`: one already chosen that answers it, else the first candidate. */
  resolve(r: Relation, by: string, hard: boolean): PackageSpec | undefined {
    for (const p of this.chosen.values()) if (answers(p, r)) return p;
    const pick = this.#candidates(r)[0];
    if (!pick) {
      if (!hard) {
        this.skipped.push(`${relationText(r)} (recommended by ${by})`);
        return undefined;
      }
      const who = by === WANTED ? `${WANTED}` : `${this.chain(by)}`;
      const near = this.catalog.get(r.name);
      const have = near ? ` (only version ${formatPackageVersion(near.version)} was built)` : '';
      throw new RootfsDependencyError(`Nothing RPROVIDES '${relationText(r)}'${have}: needed by ${who}`, undefined, `build the recipe that packages ${r.name}, or remove it from ${by === WANTED ? WANTED : `RDEPENDS:${by}`}`);
    }
    this.chosen.set(pick.name, pick);
    this.neededBy.set(pick.name, by);
    this.#queue.push(pick);
    return pick;
  }

  run(): void {
    const bad = new Set(this.request.badRecommendations);
    for (const name of this.request.install) this.resolve({ name }, WANTED, true);
    for (let p = this.#queue.shift(); p !== undefined; p = this.#queue.shift()) {
      const deps: string[] = [];
      for (const r of p.relations.depends) {
        const to = this.resolve(r, p.name, true);
        if (to && to.name !== p.name) deps.push(to.name);
      }
      this.edges.set(p.name, deps);
      if (this.request.noRecommendations) continue;
      for (const r of p.relations.recommends) if (!bad.has(r.name)) this.resolve(r, p.name, false);
    }
  }

  checkConflicts(): void {
    const problems: string[] = [];
    for (const p of this.chosen.values()) {
      for (const c of p.relations.conflicts) {
        for (const q of this.chosen.values()) {
          if (q.name !== p.name && answers(q, c)) problems.push(`${p.name} conflicts with ${q.name} (RCONFLICTS:${p.name} = "${relationText(c)}"): ${this.chain(p.name)}; ${this.chain(q.name)}`);
        }
      }
    }
    if (problems.length > 0) {
      throw new RootfsDependencyError(`Conflicting packages in the image:\n  ${problems.sort(byteCompare).join('\n  ')}`, undefined, 'remove one of them from IMAGE_INSTALL (or from the RDEPENDS that pull it in)');
    }
  }
}

/** Kahn's algorithm; the ready set is kept sorted so equal-rank packages go by name. */
export function dependencyOrder(names: readonly string[], edges: ReadonlyMap<string, readonly string[]>): string[] {
  const waiting = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const n of names) {
    const deps = [...new Set(edges.get(n) ?? [])].filter((d) => d !== n);
    waiting.set(n, deps.length);
    for (const d of deps) dependents.set(d, [...(dependents.get(d) ?? []), n]);
  }
  const ready = names.filter((n) => waiting.get(n) === 0).sort(byteCompare);
  const order: string[] = [];
  while (ready.length > 0) {
    const n = ready.shift() ?? '';
    order.push(n);
    for (const m of dependents.get(n) ?? []) {
      const left = (waiting.get(m) ?? 0) - 1;
      waiting.set(m, left);
      if (left === 0) {
        const at = ready.findIndex((x) => byteCompare(x, m) > 0);
        ready.splice(at < 0 ? ready.length : at, 0, m);
      }
    }
  }
  if (order.length < names.length) {
    const stuck = names.filter((n) => !order.includes(n)).sort(byteCompare);
    const cycle = findCycle(stuck, edges);
    throw new RootfsDependencyError(`Dependency cycle between packages: ${cycle.join(' -> ')}`, undefined, 'the install order of packages must be a DAG: remove one of these RDEPENDS');
  }
  return order;
}

/** One cycle among `stuck` (each has an unfinished dependency inside the set). */
function findCycle(stuck: readonly string[], edges: ReadonlyMap<string, readonly string[]>): string[] {
  const inSet = new Set(stuck);
  const path: string[] = [];
  let at = stuck[0] ?? '';
  while (!path.includes(at)) {
    path.push(at);
    at = (edges.get(at) ?? []).filter((d) => inSet.has(d) && d !== at).sort(byteCompare)[0] ?? at;
  }
  return [...path.slice(path.indexOf(at)), at];
}

export function resolveClosure(catalog: PackageCatalog, request: ClosureRequest): Closure {
  const r = new Resolver(catalog, request);
  r.run();
  r.checkConflicts();
  const order = dependencyOrder([...r.chosen.keys()], r.edges);
  const requested = new Set([...r.neededBy].filter(([, by]) => by === WANTED).map(([pkg]) => pkg));
  return { packages: order.flatMap((n) => r.chosen.get(n) ?? []), requested, skippedRecommendations: r.skipped };
}
