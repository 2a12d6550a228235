/**
 * Byte order of the UTF-8 encodings (= code point order), which is what "sorted" means in a
 * hash input (ARCHITECTURE rule 5). JavaScript's `<` compares UTF-16 code units; the two
 * orders differ only between a surrogate (U+D800..U+DFFF, half of a character above U+FFFF)
 * and U+E000..U+FFFF, so those two ranges are swapped before comparing.
 */
const codePointRank = (c: number): number => (c < 0xd800 ? c : c < 0xe000 ? c + 0x2000 : c - 0x800);

export function byteCompare(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** Byte order; the native sort agrees with it unless a name has a character above U+D7FF. */
const HIGH = /[\uD800-\uFFFF]/;

/** Sorts names in place by byte order (fast path: the native sort). */
export function sortNames(names: string[]): string[] {
  return names.some((n) => HIGH.test(n)) ? names.sort(byteCompare) : names.sort();
}

const byNameNative = (x: { readonly name: string }, y: { readonly name: string }): number => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0);

/** Sorts named things in place by the byte order of their names. */
export function sortByName<T extends { readonly name: string }>(items: T[]): T[] {
  return items.some((n) => HIGH.test(n.name)) ? items.sort((x, y) => byteCompare(x.name, y.name)) : items.sort(byNameNative);
}
