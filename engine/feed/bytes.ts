/** Joining byte strings that are often views of one larger buffer (a cache file's parts). */

/**
 * `pieces` as one Buffer. Neighbouring views of the same memory are merged first, so joining
 * thousands of cached entries that lie side by side copies a few spans, not one per entry
 * (and a single span is returned as it is, a view).
 */
export function joinBytes(pieces: readonly Buffer[]): Buffer {
  const spans: Buffer[] = [];
  let first: Buffer | undefined;
  let end = 0;
  const close = (): void => {
    if (first !== undefined) spans.push(end === first.byteOffset + first.length ? first : Buffer.from(first.buffer, first.byteOffset, end - first.byteOffset));
  };
  for (const p of pieces) {
    if (p.length === 0) continue;
    if (first !== undefined && p.buffer === first.buffer && p.byteOffset === end) {
      end += p.length;
      continue;
    }
    close();
    first = p;
    end = p.byteOffset + p.length;
  }
  close();
  return spans.length === 1 && spans[0] !== undefined ? spans[0] : Buffer.concat(spans);
}
