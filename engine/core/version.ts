/**
 * BitBake's version ordering (bb.utils.vercmp): epochs numerically, then PV and PR compared
 * part by part, where numbers compare numerically, letters lexically, `~` sorts before
 * everything (as in Debian) and other punctuation after letters.
 */
type Part = readonly [order: number, value: number | string | null];

export function explodeVersion(s: string): Part[] {
  const parts: Part[] = [];
  let rest = s;
  while (rest !== '') {
    const num = /^(\d+)/.exec(rest);
    if (num) {
      parts.push([0, Number(num[1])]);
      rest = rest.slice((num[1] ?? '').length);
      continue;
    }
    const alpha = /^([a-zA-Z]+)/.exec(rest);
    if (alpha) {
      parts.push([1, alpha[1] ?? '']);
      rest = rest.slice((alpha[1] ?? '').length);
      continue;
    }
    parts.push([rest[0] === '~' ? -1 : 2, rest[0] ?? '']);
    rest = rest.slice(1);
  }
  return parts;
}

export function vercmpPart(a: string, b: string): number {
  const va = explodeVersion(a);
  const vb = explodeVersion(b);
  for (let i = 0; ; i++) {
    const [oa, ca] = va[i] ?? [0, null];
    const [ob, cb] = vb[i] ?? [0, null];
    if (oa === 0 && ca === null && ob === 0 && cb === null) return 0;
    if (oa !== ob) return oa < ob ? -1 : 1;
    if (ca === null) return -1;
    if (cb === null) return 1;
    if (ca < cb) return -1;
    if (ca > cb) return 1;
  }
}

export interface Version {
  readonly pe: string | undefined;
  readonly pv: string;
  readonly pr: string;
}

export function vercmp(a: Version, b: Version): number {
  const r = Number.parseInt(a.pe || '0', 10) - Number.parseInt(b.pe || '0', 10);
  if (r !== 0) return r;
  return vercmpPart(a.pv, b.pv) || vercmpPart(a.pr, b.pr);
}

/** `[PE:]PV-PR` as BitBake prints a recipe version. */
export function formatVersion(v: Version): string {
  return `${v.pe ? `${v.pe}:` : ''}${v.pv}-${v.pr}`;
}

/** bb.utils.split_version: `[PE:]PV[-PR]`, surrounding blanks and `<>=` stripped. */
function splitVersion(s: string): Version {
  let rest = s.replace(/^[ <>=]+|[ <>=]+$/g, '');
  let pe: string | undefined;
  if (rest.includes(':')) [pe = '0', rest = ''] = rest.split(':');
  const dash = rest.lastIndexOf('-');
  return dash < 0 ? { pe, pv: rest, pr: '' } : { pe, pv: rest.slice(0, dash), pr: rest.slice(dash + 1) };
}

const COMPARISONS: Readonly<Record<string, (r: number) => boolean>> = {
  '=': (r) => r === 0,
  '==': (r) => r === 0,
  '<=': (r) => r <= 0,
  '>=': (r) => r >= 0,
  '>': (r) => r > 0,
  '>>': (r) => r > 0,
  '<': (r) => r < 0,
  '<<': (r) => r < 0,
  '!=': (r) => r !== 0,
};

/** bb.utils.vercmp_string_op: whether version `a` OP `b` holds; undefined for an OP it does not know. */
export function compareVersionStrings(a: string, b: string, op: string): boolean | undefined {
  return COMPARISONS[op]?.(vercmp(splitVersion(a), splitVersion(b)));
}
