import { TsbakeError } from './errors.js';

/** The only place an error becomes text: `file:line: error: message` plus an optional hint. */
export function formatError(err: unknown): string {
  if (err instanceof TsbakeError) {
    const where = err.where ? (err.where.line > 0 ? `${err.where.file}:${err.where.line}: ` : `${err.where.file}: `) : '';
    const hint = err.hint ? `\n  hint: ${err.hint}` : '';
    return `${where}error: ${err.message}${hint}`;
  }
  if (err instanceof Error) return `error: ${err.stack ?? err.message}`;
  return `error: ${String(err)}`;
}
