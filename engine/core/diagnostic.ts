import { TsbakeError } from './errors.js';

/**
 * Control characters (other than newline and tab) as `\xNN`: a garbage recipe must not send
 * escape sequences to the user's terminal through an error message.
 */
export function escapeControls(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f\x9b]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** A Node system error (ENOENT, EISDIR, ...): its message says it all, a stack adds nothing. */
const isSystemError = (err: Error): boolean => 'syscall' in err && 'code' in err;

/** The only place an error becomes text: `file:line: error: message` plus an optional hint. */
export function formatError(err: unknown): string {
  if (err instanceof TsbakeError) {
    const where = err.where ? (err.where.line > 0 ? `${err.where.file}:${err.where.line}: ` : `${err.where.file}: `) : '';
    const hint = err.hint ? `\n  hint: ${err.hint}` : '';
    return escapeControls(`${where}error: ${err.message}${hint}`);
  }
  if (err instanceof Error) return escapeControls(`error: ${isSystemError(err) ? err.message : (err.stack ?? err.message)}`);
  return escapeControls(`error: ${String(err)}`);
}
