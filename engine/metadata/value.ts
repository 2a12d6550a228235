/**
 * Values held by the datastore. Metadata values are strings; BitBake's own bookkeeping also
 * stores numbers (`do_X[task] = 1`), booleans and lists (`do_X[deps]`, `__BBTASKS`).
 * `null` is Python's None stored explicitly (a flag set to None is present but unset).
 */
export type Value = string | number | boolean | readonly string[] | null;

/** `str(value)` as BitBake shows it, with lists space-separated (the getvar contract). */
export function showValue(value: Value): string {
  if (value === null) return 'None';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return String(value);
  return value.join(' ');
}
