/**
 * Finds one dependency cycle among nodes that a topological sort could not order, so the
 * error can print it (`a -> b -> c -> a`).
 */
export function findCycle<T>(nodes: readonly T[], deps: (n: T) => readonly T[]): T[] {
  const inSet = new Set(nodes);
  const state = new Map<T, 'open' | 'done'>();
  const path: T[] = [];
  const visit = (n: T): T[] | undefined => {
    state.set(n, 'open');
    path.push(n);
    for (const d of deps(n)) {
      if (!inSet.has(d)) continue;
      const s = state.get(d);
      if (s === 'open') return [...path.slice(path.indexOf(d)), d];
      if (s === undefined) {
        const found = visit(d);
        if (found) return found;
      }
    }
    path.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of nodes) {
    if (state.has(n)) continue;
    const found = visit(n);
    if (found) return found;
  }
  return [];
}
