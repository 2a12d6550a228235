import test from 'ava';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PACKAGE_ROOT } from '../engine/core/package-root.js';

/** ARCHITECTURE.md's (the repository's copy) "what may import what" table, as prefixes of repository paths. */
const RULES: ReadonlyArray<readonly [module: string, allowed: readonly string[]]> = [
  ['engine/core/', ['engine/core/']],
  ['engine/metadata/', ['engine/metadata/', 'engine/core/']],
  ['engine/graph/', ['engine/graph/', 'engine/metadata/', 'engine/core/']],
  ['sstate/signature/', ['sstate/signature/', 'engine/metadata/', 'engine/graph/', 'engine/core/']],
  ['sstate/store/', ['sstate/store/', 'sstate/signature/', 'engine/graph/', 'engine/core/']],
  ['engine/run/', ['engine/run/', 'engine/graph/', 'engine/metadata/', 'sstate/signature/', 'sstate/store/', 'sstate/setscene/', 'engine/core/']],
  ['engine/package/model/', ['engine/package/model/', 'engine/core/']],
  ['engine/package/archive/', ['engine/package/archive/', 'engine/package/model/', 'engine/core/']],
  ['engine/package/split/', ['engine/package/split/', 'engine/package/model/', 'engine/metadata/', 'engine/graph/', 'engine/run/builtin.ts', 'engine/core/']],
  ...['deb', 'rpm', 'ipk', 'tar'].map((fmt) => [`engine/package/${fmt}/`, [`engine/package/${fmt}/`, 'engine/package/archive/', 'engine/package/model/', 'engine/core/']] as const),
  ['engine/package/deploy/', ['engine/package/deploy/', 'engine/package/model/', 'engine/metadata/', 'engine/run/builtin.ts', 'engine/core/']],
  ['engine/fetch/', ['engine/fetch/', 'engine/metadata/', 'engine/graph/', 'engine/run/builtin.ts', 'engine/core/']],
  ['engine/rootfs/', ['engine/rootfs/', 'engine/package/model/', 'engine/package/archive/', 'engine/metadata/', 'engine/graph/', 'engine/run/builtin.ts', 'engine/core/']],
  ['engine/feed/', ['engine/feed/', 'engine/package/model/', 'engine/package/archive/', 'engine/core/']],
  ['engine/prserv/', ['engine/prserv/', 'engine/core/']],
];

function sources(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

test('modules import only what ARCHITECTURE.md allows', (t) => {
  const bad: string[] = [];
  for (const file of [...sources(join(PACKAGE_ROOT, 'engine')), ...sources(join(PACKAGE_ROOT, 'sstate'))]) {
    const rel = relative(PACKAGE_ROOT, file);
    const rule = RULES.find(([m]) => rel.startsWith(m));
    if (!rule) continue;
    for (const m of readFileSync(file, 'utf8').matchAll(/^import[^'"]*['"](\.[^'"]+)['"]/gm)) {
      // Specifiers name the compiled .js file; the table names sources.
      const target = relative(PACKAGE_ROOT, join(file, '..', m[1] ?? '')).replace(/\.js$/, '.ts');
      if (!rule[1].some((a) => target.startsWith(a))) bad.push(`${rel} imports ${target}`);
    }
    if (rel.startsWith('engine/') && !rel.startsWith('engine/cli/') && /\bconsole\.|process\.exit\(/.test(readFileSync(file, 'utf8'))) bad.push(`${rel} writes to the console or exits`);
  }
  t.deepEqual(bad, []);
});
