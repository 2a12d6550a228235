/** Byte-wise order of UTF-8 strings (never localeCompare: the order must not depend on the locale). */
export const byteCompare = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));
