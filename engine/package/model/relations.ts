/**
 * BitBake dependency strings (`RDEPENDS`, `RPROVIDES`, ...) as bb.utils.explode_dep_versions2
 * reads them, and back (bb.utils.join_deps). Pure; the writers only consume the `Relation`s.
 */
import { TsbakeError } from '../../core/errors.js';
import type { Relation, RelationOp } from './spec.js';

export class RelationSyntaxError extends TsbakeError {
  readonly code = 'E_RELATION';
}

/** explode_dep_versions2's operator spellings, longest first, mapped to the model's five. */
const OPERATORS: ReadonlyArray<readonly [string, RelationOp]> = [
  ['<=', '<='],
  ['=<', '<='],
  ['<<', '<'],
  ['==', '='],
  ['>=', '>='],
  ['=>', '>='],
  ['>>', '>'],
  ['<', '<'],
  ['>', '>'],
  ['=', '='],
];

function operator(token: string, text: string): [RelationOp, string] {
  if (token.startsWith('!=')) throw new RelationSyntaxError(`"!=" is not supported by any package format in "${text}"`);
  for (const [spelling, op] of OPERATORS) if (token.startsWith(spelling)) return [op, token.slice(spelling.length)];
  throw new RelationSyntaxError(`invalid version specification in "(${token}": invalid or missing operator`, undefined, `write it as "name (>= 1.0)" in "${text}"`);
}

/**
 * The relations of `text` in BitBake's order: names sorted (byte-wise, as Python sorts str),
 * each name once, with one Relation per version constraint (`a (>= 1) a (< 2)`). As in
 * BitBake, commas are ignored and a version may span tokens up to the closing parenthesis.
 */
export function parseRelations(text: string): Relation[] {
  const byName = new Map<string, Array<{ op: RelationOp; version: string }>>();
  let last: string | undefined;
  let op: RelationOp = '=';
  let version = '';
  let inOperator = false;
  let inVersion = false;
  for (let token of text.replaceAll(',', '').split(/\s+/).filter((t) => t !== '')) {
    if (token.startsWith('(')) {
      inOperator = true;
      token = token.slice(1).trim();
      if (!token) continue;
    }
    if (inOperator) {
      inOperator = false;
      inVersion = true;
      [op, token] = operator(token, text);
      if (!token) continue;
    }
    if (inVersion) {
      if (token.endsWith(')')) {
        token = token.slice(0, -1);
        inVersion = false;
        if (version && token) version += ' ';
      }
      if (token) {
        if (last === undefined) throw new RelationSyntaxError(`a version constraint with no name before it in "${text}"`);
        version += token;
        const list = byName.get(last) ?? [];
        list.push({ op, version });
        byName.set(last, list);
      }
      continue;
    }
    last = token;
    version = '';
    if (!byName.get(token)?.length) byName.set(token, []);
  }
  const names = [...byName.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return names.flatMap((name) => {
    const constraints = byName.get(name) ?? [];
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
