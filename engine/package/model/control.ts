/**
 * The dpkg control syntax (deb822) that the deb, ipk and tar formats share: one paragraph of
 * `Field: value` lines, the Description's long text folded as oe-core folds it (74 columns,
 * an empty line written ` .`), and relations in dpkg syntax (`name (>> 1.0), other`).
 */
import type { Relation, RelationOp } from './spec.js';

export type ControlField = readonly [name: string, value: string];

/** One paragraph; fields with an empty value are left out. */
export function renderControl(fields: readonly ControlField[]): string {
  return fields.filter(([, v]) => v !== '').map(([k, v]) => `${k}: ${v}\n`).join('');
}

/** Folds words into lines of at most `width` columns, each starting with one space. */
function fill(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = '';
    }
    line = line === '' ? ` ${word}` : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/**
 * The Description value: the summary, then the long text on continuation lines. A literal
 * `\n` in DESCRIPTION marks lines kept as written (as oe-core does); otherwise paragraphs
 * separated by blank lines are folded and the blank lines become ` .`.
 */
export function controlDescription(summary: string, description: string): string {
  const first = (summary || description || '.').split(/\n|\\n/)[0]?.trim() || '.';
  const long = (description || '.').trim();
  const lines = long.includes('\\n')
    ? long.split('\\n').map((l) => ` ${l.trim() || '.'}`)
    : long.split(/\n\s*\n/).flatMap((para, i) => [...(i > 0 ? [' .'] : []), ...fill(para, 74)]);
  return [first, ...lines].join('\n');
}

/** Relations in the order of their names (oe-core sorts Provides). */
export const byName = (a: Relation, b: Relation): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function dpkgOp(op: RelationOp): string {
  switch (op) {
    case '<':
      return '<<';
    case '>':
      return '>>';
    case '<=':
    case '>=':
    case '=':
      return op;
    default: {
      const never: never = op;
      throw new Error(`unreachable: ${String(never)}`);
    }
  }
}

/**
 * Relations in dpkg syntax, as oe-core's package_deb and package_ipk write them: `<`/`>`
 * become `<<`/`>>`, and `= V` without a `-r` revision becomes `>= V, << V.0` (an `=` only
 * matches a full version with its revision). `versions: false` drops every constraint
 * (oe-core writes Provides without versions).
 */
export function dpkgRelations(relations: readonly Relation[], versions = true): string {
  const parts: string[] = [];
  for (const r of relations) {
    const c = r.constraint;
    if (!c || !versions) parts.push(r.name);
    else if (c.op === '=' && !c.version.includes('-r')) parts.push(`${r.name} (>= ${c.version})`, `${r.name} (<< ${c.version}.0)`);
    else parts.push(`${r.name} (${dpkgOp(c.op)} ${c.version})`);
  }
  return [...new Set(parts)].join(', ');
}
