/** `tsbake show-recipes` and `tsbake show-layers`, in bitbake-layers' layout. */
import { formatVersion } from '../../core/version.js';
import { findBestProvider } from '../../graph/providers.js';
import { collectionsOf } from '../../metadata/collections.js';
import { pythonMatch } from '../../metadata/pyregex.js';
import type { RecipeInfo } from '../../metadata/recipe-info.js';
import type { MetadataSession } from '../../metadata/session.js';
import { configLookup } from '../../metadata/config-lookup.js';
import { loadRecipes } from '../recipes.js';

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function showRecipes(session: MetadataSession): string {
  const recipes = loadRecipes(session).recipes.filter((r) => r.variant === '');
  const byPn = new Map<string, RecipeInfo[]>();
  for (const r of recipes) byPn.set(r.pn, [...(byPn.get(r.pn) ?? []), r]);
  let out = '=== Available recipes: ===\n';
  for (const pn of [...byPn.keys()].sort(byName)) {
    const all = byPn.get(pn) ?? [];
    const usable = all.filter((r) => r.skipped === undefined);
    const preferred = findBestProvider(pn, usable, configLookup(session)).preferred;
    const ordered = preferred ? [preferred, ...all.filter((r) => r !== preferred)] : all;
    out += `${pn}:\n`;
    for (const r of ordered) {
      const marks = [r === preferred && all.length > 1 ? 'preferred' : '', r.skipped !== undefined ? `skipped: ${r.skipped}` : ''].filter(Boolean);
      out += `  ${(r.layer ?? '').padEnd(20)} ${formatVersion(r)}${marks.length ? ` (${marks.join('; ')})` : ''}\n`;
    }
  }
  return out;
}

export function showLayers(session: MetadataSession): string {
  const collections = collectionsOf(session.config.store);
  let out = `${'layer'.padEnd(20)}  ${'path'.padEnd(60)}  priority\n${'='.repeat(94)}\n`;
  for (const layer of session.config.layers) {
    const c = collections.find((col) => pythonMatch(col.regex, `${layer}/`));
    out += `${(c?.name ?? '').padEnd(20)}  ${layer.padEnd(60)}  ${c?.priority ?? ''}\n`;
  }
  return out;
}
