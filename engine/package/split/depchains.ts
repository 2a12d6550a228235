/**
 * Dependency chains, as oe-core's package_depchains makes them: a package named with a
 * DEPCHAIN_POST suffix (`-dev`, `-dbg`) or a DEPCHAIN_PRE prefix recommends the same kind of
 * package of what its recipe depends on, so that installing `app-dev` brings `libdemo-dev`:
 * - `-dev` packages: `<dep>-dev` for each build dependency in DEPENDS (`-native`, `-cross`
 *   and `virtual/` ones left out);
 * - `-dbg` packages: `<dep>-dbg` for each package the recipe's files need (shared-library
 *   and pkg-config dependencies), unless DEPCHAIN_DBGDEFAULTDEPS = "1";
 * - otherwise, and for prefixes: the runtime dependencies (RDEPENDS, with the ones found in
 *   the files) of every package when only one package has that suffix, else of the base
 *   package alone.
 * A `-dev`/`-dbg` suffix on a dependency is dropped first; a package never recommends
 * itself, and `RRECOMMENDS:<pkg>[nodeprrecs]` turns the chain off for one package. Pure.
 */

export interface DepchainInput {
  /** PACKAGES, in processing order. */
  readonly packages: readonly string[];
  /** DEPCHAIN_PRE and DEPCHAIN_POST, split. */
  readonly prefixes: readonly string[];
  readonly suffixes: readonly string[];
  /** The names in DEPENDS. */
  readonly depends: readonly string[];
  /** The runtime dependency names of a package (its RDEPENDS and those found in its files). */
  readonly rdepends: (pkg: string) => readonly string[];
  /** The dependency names found in the files of all packages (shared libraries, pkg-config). */
  readonly libdepends: readonly string[];
  /** DEPCHAIN_DBGDEFAULTDEPS = "1": `-dbg` packages follow the runtime dependencies instead. */
  readonly dbgDefaultDeps: boolean;
  readonly noDeprrecs: (pkg: string) => boolean;
}

const unique = (names: Iterable<string>): string[] => [...new Set(names)];

/** The names each package gains in its recommendations, in the order oe-core adds them. */
export function depchainRecommends(input: DepchainInput): Map<string, string[]> {
  interface Chained {
    readonly pkg: string;
    readonly base: string;
    readonly name: (dep: string) => string;
  }
  // Keyed by affix, in the order the affixes are first met (as oe-core's dict is).
  const byAffix = new Map<string, Chained[]>();
  const add = (affix: string, c: Chained): void => void byAffix.set(affix, [...(byAffix.get(affix) ?? []), c]);
  for (const pkg of input.packages) {
    for (const post of input.suffixes) if (pkg.endsWith(post)) add(post, { pkg, base: pkg.slice(0, -post.length), name: (dep) => `${dep}${post}` });
    for (const pre of input.prefixes) if (pkg.startsWith(pre)) add(pre, { pkg, base: pkg.slice(pre.length), name: (dep) => `${pre}${dep}` });
  }
  const allRdepends = unique(input.packages.flatMap((p) => input.rdepends(p)));
  const buildDepends = unique(input.depends).filter((d) => !d.includes('-native') && !d.includes('-cross') && !d.startsWith('virtual/'));
  const runtime = (deps: readonly string[]): string[] => deps.filter((d) => !d.includes('virtual-locale-'));

  const out = new Map<string, string[]>();
  for (const [affix, chained] of byAffix) {
    for (const c of chained) {
      if (input.noDeprrecs(c.pkg)) continue;
      let deps: readonly string[];
      if (affix === '-dev') deps = buildDepends;
      else if (affix === '-dbg' && !input.dbgDefaultDeps) deps = runtime(unique(input.libdepends));
      else deps = runtime(chained.length === 1 ? allRdepends : unique(input.rdepends(c.base)));
      const names = [...deps].sort().map((d) => c.name(d.replace(/-dev$/, '').replace(/-dbg$/, ''))).filter((n) => n !== c.pkg);
      out.set(c.pkg, unique([...(out.get(c.pkg) ?? []), ...names]));
    }
  }
  return out;
}
