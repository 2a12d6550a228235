/** `tsbake -p`: parse every recipe, report errors together (sorted by file) and the summary. */
import { formatError } from '../../core/diagnostic.js';
import { cachedLoader } from '../../metadata/cached-loader.js';
import { parseAll, summaryLine } from '../../metadata/parse-all.js';
import type { MetadataSession } from '../../metadata/session.js';
import { sessionOpener, sessionRequest } from '../session.js';

/**
 * Recipes come from the parse cache when their entry is valid; the rest are parsed, on
 * worker threads (each opening its session as `session` was opened) when there are many.
 */
export function parseOnly(session: MetadataSession, out: (s: string) => void, err: (s: string) => void): number {
  const warn = (w: string): void => err(`WARNING: ${w}\n`);
  const opener = sessionOpener(session);
  const env = sessionRequest(session)?.env ?? process.env;
  const loader = cachedLoader(session, { env, onWarning: warn, ...(opener ? { pool: { opener } } : {}) });
  const summary = parseAll(session, loader);
  for (const w of summary.warnings) warn(w);
  const errors = [...summary.errors].sort((a, b) => ((a.where?.file ?? '') < (b.where?.file ?? '') ? -1 : 1));
  for (const e of errors) err(formatError(e) + '\n');
  out(summaryLine(summary) + '\n');
  return errors.length ? 2 : 0;
}
