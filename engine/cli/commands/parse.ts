/** `tsbake -p`: parse every recipe, report errors together (sorted by file) and the summary. */
import { formatError } from '../../core/diagnostic.js';
import { pythonStatsLine, summaryLine } from '../../metadata/parse-all.js';
import type { MetadataSession } from '../../metadata/session.js';
import { loadRecipes } from '../recipes.js';

export function parseOnly(session: MetadataSession, out: (s: string) => void, err: (s: string) => void): number {
  const summary = loadRecipes(session, (w) => err(`WARNING: ${w}\n`));
  const errors = [...summary.errors].sort((a, b) => ((a.where?.file ?? '') < (b.where?.file ?? '') ? -1 : 1));
  for (const e of errors) err(formatError(e) + '\n');
  out(summaryLine(summary) + '\n');
  if (process.env['TSBAKE_PARSE_STATS']) err(pythonStatsLine(summary) + '\n');
  return errors.length ? 2 : 0;
}
