/**
 * BitBake dependency strings (`RDEPENDS`, `RPROVIDES`, ...) as bb.utils.explode_dep_versions2
 * reads them, and back (bb.utils.join_deps). Pure; the writers only consume the `Relation`s.
 */
import { explodeDepVersions, type WrittenConstraint } from '../../core/dep-versions.js';
import { TsbakeError } from '../../core/errors.js';
import type { Relation, RelationOp } from './spec.js';

export class RelationSyntaxError extends TsbakeError {
  readonly code = 'E_RELATION';
}

/** explode_dep_versions2's operator spellings mapped to the model's five. */
const OPERATORS: Readonly<Record<string, RelationOp>> = { '<=': '<=', '=<': '<=', '<<': '<', '==': '=', '>=': '>=', '=>': '>=', '>>': '>', '<': '<', '>': '>', '=': '=' };

/**
 * The relations of `text` in BitBake's order: names sorted (byte-wise, as Python sorts str),
 * each name once, with one Relation per version constraint (`a (>= 1) a (< 2)`). As in
 * BitBake, commas are ignored and a version may span tokens up to the closing parenthesis.
 */
export function parseRelations(text: string): Relation[] {
  const written = explodeDepVersions(text, (problem, token) => {
    if (problem === 'orphan') throw new RelationSyntaxError(`a version constraint with no name before it in "${text}"`);
    throw new RelationSyntaxError(`invalid version specification in "(${token}": invalid or missing operator`, undefined, `write it as "name (>= 1.0)" in "${text}"`);
  });
  const model = ({ op, version }: WrittenConstraint): { op: RelationOp; version: string } => {
    const known = OPERATORS[op];
    if (known === undefined) throw new RelationSyntaxError(`"${op}" is not supported by any package format in "${text}"`);
    return { op: known, version };
  };
  const names = [...written.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return names.flatMap((name) => {
    const constraints = (written.get(name) ?? []).map(model);
    return constraints.length ? constraints.map((constraint) => ({ name, constraint })) : [{ name }];
  });
}

/** bb.utils.join_deps with spaces: `a (>= 1.0) b`, operators as BitBake writes them. */
export function formatRelations(relations: readonly Relation[]): string {
  return relations.map((r) => (r.constraint ? `${r.name} (${r.constraint.op} ${r.constraint.version})` : r.name)).join(' ');
}

/**
 * Adds relations that are not there yet (same name and constraint), keeping BitBake's
 * name order; what `RDEPENDS:<pkg> += "..."` amounts to after explode/join.
 */
export function mergeRelations(base: readonly Relation[], extra: readonly Relation[]): Relation[] {
  const key = (r: Relation): string => `${r.name}\0${r.constraint?.op ?? ''}\0${r.constraint?.version ?? ''}`;
  const seen = new Set(base.map(key));
  const out = [...base];
  for (const r of extra) {
    if (seen.has(key(r))) continue;
    seen.add(key(r));
    out.push(r);
  }
  // As in BitBake's name → constraints map: a bare name is dropped once the name has a constraint.
  const constrained = new Set(out.filter((r) => r.constraint).map((r) => r.name));
  return out.filter((r) => r.constraint || !constrained.has(r.name)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
