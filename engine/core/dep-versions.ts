/**
 * BitBake's dependency strings (`a (>= 1.0) b`) as bb.utils.explode_dep_versions2 reads them,
 * operators left as written: package relations and LAYERDEPENDS each give them their meaning.
 */

/** One `(OP VERSION)` constraint, the operator spelled as in the text. */
export interface WrittenConstraint {
  readonly op: string;
  readonly version: string;
}

/** What explode_dep_versions2 rejects: a `(` with no operator it knows, or a version before any name. */
export type DepStringProblem = 'operator' | 'orphan';

/** explode_dep_versions2's operator spellings, longest first. */
const SPELLINGS = ['<=', '=<', '<<', '==', '!=', '>=', '=>', '>>', '<', '>', '='];

/**
 * Each name once, in first-seen order, with its constraints (`a (>= 1) a (< 2)` gives two);
 * commas are ignored and a version may span tokens up to the closing parenthesis. `fail` is
 * called (and must throw) where BitBake raises.
 */
export function explodeDepVersions(text: string, fail: (problem: DepStringProblem, token: string) => never): Map<string, WrittenConstraint[]> {
  const byName = new Map<string, WrittenConstraint[]>();
  let last: string | undefined;
  let op = '';
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
      op = SPELLINGS.find((s) => token.startsWith(s)) ?? fail('operator', token);
      token = token.slice(op.length);
      if (!token) continue;
    }
    if (inVersion) {
      if (token.endsWith(')')) {
        token = token.slice(0, -1);
        inVersion = false;
        if (version && token) version += ' ';
      }
      if (token) {
        if (last === undefined) fail('orphan', token);
        version += token;
        byName.set(last, [...(byName.get(last) ?? []), { op, version }]);
      }
      continue;
    }
    last = token;
    version = '';
    if (!byName.get(token)?.length) byName.set(token, []);
  }
  return byName;
}
