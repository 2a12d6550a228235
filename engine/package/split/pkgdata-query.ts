/**
 * Answers from `${PKGDATA_DIR}` the questions oe-pkgdata-util answers: which package ships a
 * path, what a package ships, which recipe built a package, which packages exist. Reads only
 * package data (model/pkgdata.ts), never a recipe.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pkgdataPaths, type RecipePkgdata } from '../model/pkgdata.js';
import type { PackageSpec } from '../model/spec.js';
import { fnmatchRegex } from './fnmatch.js';
import { byteCompare as byteOrder } from '../../core/byte-order.js';

export interface QueryResult {
  readonly lines: readonly string[];
  /** Names asked for that package data does not know. */
  readonly missing: readonly string[];
}


function readSpec(dir: string, pkg: string): PackageSpec | undefined {
  const file = pkgdataPaths(dir).runtime(pkg);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as PackageSpec) : undefined;
}

function packages(dir: string): string[] {
  const runtime = join(dir, 'runtime');
  if (!existsSync(runtime)) return [];
  return readdirSync(runtime)
    .filter((n) => n.endsWith('.json'))
    .map((n) => n.slice(0, -'.json'.length))
    .sort(byteOrder);
}

/** `pkg: /path` for every package shipping a path that matches. */
export function findPath(dir: string, pattern: string): QueryResult {
  const re = fnmatchRegex(pattern);
  const match = (s: string): boolean => re.test(s);
  const lines: string[] = [];
  for (const pkg of packages(dir)) {
    for (const f of readSpec(dir, pkg)?.files ?? []) if (match(f.path)) lines.push(`${pkg}: ${f.path}`);
  }
  return { lines, missing: lines.length ? [] : [pattern] };
}

/** `pkg:` then each path, tab-indented (directories left out, as oe-pkgdata-util does). */
export function listPkgFiles(dir: string, pkgs: readonly string[]): QueryResult {
  const lines: string[] = [];
  const missing: string[] = [];
  for (const pkg of pkgs) {
    const spec = readSpec(dir, pkg);
    if (!spec) {
      missing.push(pkg);
      continue;
    }
    lines.push(`${pkg}:`, ...spec.files.filter((f) => f.kind !== 'dir').map((f) => `\t${f.path}`));
  }
  return { lines, missing };
}

export function lookupRecipe(dir: string, pkgs: readonly string[]): QueryResult {
  const lines: string[] = [];
  const missing: string[] = [];
  for (const pkg of pkgs) {
    const spec = readSpec(dir, pkg);
    if (spec) lines.push(spec.recipe);
    else missing.push(pkg);
  }
  return { lines, missing };
}

/** The packages that were written, of every recipe or of one. */
export function listPkgs(dir: string, recipe?: string): QueryResult {
  if (recipe === undefined) return { lines: packages(dir), missing: [] };
  const file = pkgdataPaths(dir).recipe(recipe);
  if (!existsSync(file)) return { lines: [], missing: [recipe] };
  const data = JSON.parse(readFileSync(file, 'utf8')) as RecipePkgdata;
  return { lines: [...data.written].sort(byteOrder), missing: [] };
}
