/**
 * BitBake's runqueue sanity check: two recipes in one build that provide the same name (a
 * PROVIDES, or a PN another recipe also PROVIDES) is an error, unless the name is listed in
 * BB_MULTI_PROVIDER_ALLOWED. It happens when a dependency pulls in the provider that lost.
 */
import { GraphError } from '../core/errors.js';
import type { TaskGraph } from './task-graph.js';

export function checkMultipleProviders(graph: TaskGraph, allowed: readonly string[]): void {
  const byName = new Map<string, string[]>();
  const seen = new Set<string>();
  for (const node of graph.nodes) {
    if (seen.has(node.pn)) continue;
    seen.add(node.pn);
    for (const name of node.recipe.provides) byName.set(name, [...(byName.get(name) ?? []), node.recipe.file]);
  }
  for (const [name, files] of byName) {
    if (files.length < 2 || allowed.includes(name)) continue;
    throw new GraphError(`Multiple .bb files are due to be built which each provide ${name}:\n  ${files.join('\n  ')}`, undefined, `set PREFERRED_PROVIDER_${name}, or stop depending on both providers`);
  }
}
