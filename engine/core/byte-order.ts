/** Byte order of UTF-8 strings (ARCHITECTURE rule 5): what "sorted" means for names and paths in outputs. */
export function byteCompare(a: string, b: string): number {
  // UTF-16 units below U+D800 order as their UTF-8 bytes do: only a difference at a surrogate
  // or above needs the bytes (sorting 20,000 paths through Buffers costs 600,000 of them).
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 || y >= 0xd800) return Buffer.compare(Buffer.from(a), Buffer.from(b));
    return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}
