/** Joining byte strings that are often views of one larger buffer (a cache file's parts). */

/**
 * `pieces` as one Buffer. Neighbouring views of the same memory are merged first, so joining
 * thousands of cached entries that lie side by side copies a few spans, not one per entry
 * (and a single span is returned as it is, a view).
 */
export function joinBytes(pieces: readonly Uint8Array[]): Buffer {
  const spans: Uint8Array[] = [];
  let first: Uint8Array | undefined;
  let end = 0;
  const close = (): void => {
    if (first !== undefined) spans.push(end === first.byteOffset + first.length ? first : new Uint8Array(first.buffer, first.byteOffset, end - first.byteOffset));
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
  const only = spans.length === 1 ? spans[0] : undefined;
  return only !== undefined ? Buffer.from(only.buffer, only.byteOffset, only.length) : Buffer.concat(spans);
}

/** The UTF-8 text of `bytes`. */
export function utf8(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString();
}
