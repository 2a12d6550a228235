/**
 * Override syntax and the choice between override variants, as BitBake 2.x makes it.
 * Pure functions over names and override lists.
 */

/** `X:append`, `X:prepend:o`, `X:remove:a:b`: the operation and its optional condition. */
const SETVAR_RE = /^(.*?)(:append|:prepend|:remove)(?::([^A-Z]*))?$/;
/** An override name starts with a lower-case letter or a digit (only its start is checked). */
const OVERRIDE_START_RE = /^[a-z0-9]/;

export type OpKind = 'append' | 'prepend' | 'remove';

export interface OpTarget {
  readonly base: string;
  readonly op: OpKind;
  readonly condition: string | null;
}

/** Splits `A:append:foo` into base `A`, op `append`, condition `foo`; undefined for plain names. */
export function parseOpName(name: string): OpTarget | undefined {
  const m = SETVAR_RE.exec(name);
  if (!m) return undefined;
  const op = (m[2] ?? ':append').slice(1) as OpKind;
  const condition = m[3] === undefined ? null : m[3];
  return { base: m[1] ?? '', op, condition };
}

export function isOverrideName(s: string): boolean {
  return OVERRIDE_START_RE.test(s);
}

/**
 * The (base variable, override text) pairs a variant name registers: `A:b:c` is a variant of
 * `A:b` under `c` and of `A` under `b:c`.
 */
export function variantPairs(name: string): Array<readonly [base: string, override: string]> {
  const pairs: Array<readonly [string, string]> = [];
  let cut = name.lastIndexOf(':');
  if (cut < 0) return pairs;
  let override: string | null = name.slice(cut + 1);
  let short = name.slice(0, cut);
  while (override && isOverrideName(override)) {
    pairs.push([short, override]);
    override = null;
    cut = short.lastIndexOf(':');
    if (cut >= 0) {
      override = name.slice(cut + 1);
      short = name.slice(0, cut);
      if (short.length === 0) override = null;
    }
  }
  return pairs;
}

/** Is a (possibly multi-part) override active under `active`? */
export function overrideActive(override: string, active: ReadonlySet<string>): boolean {
  if (active.has(override)) return true;
  return override.includes(':') && override.split(':').every((o) => active.has(o));
}

/** A conditional :append/:prepend/:remove applies when every part is in the override list. */
export function conditionHolds(condition: string | null, overrides: readonly string[]): boolean {
  if (!condition) return true;
  return condition.split(':').every((o) => overrides.includes(o));
}

/**
 * Picks the variant that supplies a variable's value. Candidates are the active variants;
 * passes over OVERRIDES strip matching suffixes until a candidate's text is exactly an
 * override, and a later winner replaces an earlier one (so `X:red:green` can beat `X:blue`).
 */
export function chooseVariant(
  variants: ReadonlyArray<readonly [name: string, override: string]>,
  overrides: readonly string[],
  active: ReadonlySet<string>,
): string | undefined {
  const candidates = new Map<string, string>();
  for (const [name, override] of variants) {
    if (overrideActive(override, active)) candidates.set(override, name);
  }
  if (candidates.size === 0) return undefined;
  let winner: string | undefined;
  let changed = true;
  while (changed) {
    changed = false;
    for (const o of overrides) {
      for (const text of [...candidates.keys()]) {
        const name = candidates.get(text);
        if (name === undefined) continue;
        if (text.endsWith(':' + o)) {
          candidates.delete(text);
          candidates.set(text.replaceAll(':' + o, ''), name);
          changed = true;
        } else if (text === o) {
          winner = name;
          candidates.delete(text);
        }
      }
    }
  }
  return winner;
}
