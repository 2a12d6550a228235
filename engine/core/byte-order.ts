/** Byte order of UTF-8 strings (ARCHITECTURE rule 5): what "sorted" means for names and paths in outputs. */
export const byteCompare = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));
