/**
 * Content hashing: xxh64 from xxhash-wasm, instantiated once per thread at module load (top-level
 * await), so every caller hashes synchronously. Hashes are 16 lowercase hex characters.
 *
 * xxh64 is not a cryptographic hash. It keys caches (parse cache, file memo) and basehashes
 * of our own making; anything that must resist a hostile input (sstate downloads) uses sha256.
 */
import xxhash from 'xxhash-wasm';

const api = await xxhash();

/**
 * The hash of an ordered list of strings. Each part is length-prefixed, so ["ab", "c"] and
 * ["a", "bc"] differ. Hashing the joined string equals streaming the parts (xxh64 is
 * incremental), and one call into WebAssembly is cheaper than one per part.
 */
export function hashParts(parts: readonly string[]): string {
  let joined = '';
  for (const p of parts) joined += `${p.length}:${p}`;
  return api.h64ToString(joined);
}

/** The hash of raw bytes (a file's content), or of a string's UTF-8 encoding. */
export function hashBytes(data: Uint8Array | string): string {
  if (typeof data === 'string') return api.h64ToString(data);
  return api.h64Raw(data).toString(16).padStart(16, '0');
}
