/** `tsbake pkgdata find-path PATH | list-pkg-files PKG... | lookup-recipe PKG... | list-pkgs [-r RECIPE]`. */
import { parseArgs } from 'node:util';
import { UsageError } from '../../core/errors.js';
import { findPath, listPkgFiles, listPkgs, lookupRecipe, type QueryResult } from '../../package/split/pkgdata-query.js';

export const PKGDATA_USAGE = 'tsbake pkgdata find-path PATH | list-pkg-files PKG... | lookup-recipe PKG... | list-pkgs [-r RECIPE]';

/** Prints the answer; 1 (after an error line naming them) when something asked for is unknown. */
export function pkgdataCommand(dir: string, args: readonly string[], out: (s: string) => void, err: (s: string) => void): number {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({ args: rest, options: { recipe: { type: 'string', short: 'r' } }, allowPositionals: true });
  let result: QueryResult;
  switch (sub) {
    case 'find-path':
      if (positionals.length !== 1 || !positionals[0]) throw new UsageError(`find-path needs one path\nusage: ${PKGDATA_USAGE}`);
      result = findPath(dir, positionals[0]);
      break;
    case 'list-pkg-files':
    case 'lookup-recipe':
      if (!positionals.length) throw new UsageError(`${sub} needs at least one package\nusage: ${PKGDATA_USAGE}`);
      result = sub === 'list-pkg-files' ? listPkgFiles(dir, positionals) : lookupRecipe(dir, positionals);
      break;
    case 'list-pkgs':
      result = listPkgs(dir, values.recipe);
      break;
    default:
      throw new UsageError(`unknown pkgdata command ${sub ?? '(none)'}\nusage: ${PKGDATA_USAGE}`);
  }
  if (result.lines.length) out(`${result.lines.join('\n')}\n`);
  if (result.missing.length) {
    const what = sub === 'find-path' ? `Unable to find any package producing path ${result.missing.join(' ')}` : sub === 'list-pkgs' ? `No package data for recipe ${result.missing.join(' ')}` : `The following packages could not be found: ${result.missing.join(' ')}`;
    err(`ERROR: ${what}\n`);
    return 1;
  }
  return 0;
}
