/**
 * `npm run build` step after tsc: bundles the tsbake CLI (dist/engine/cli/main.js and every
 * module it imports, dynamic imports included) into one ESM file, dist/tsbake.js, which the
 * package's `bin` names. Node then reads and compiles one file instead of some sixty: a
 * third of a warm `tsbake -p`'s start-up. Tests keep importing the modules under dist/.
 *
 * Native and CommonJS packages stay external (Node loads them from node_modules). Worker
 * threads and python scripts are found from `import.meta.url`, so each module's
 * `import.meta.url` becomes the URL its own file in dist/ would have had: the workers then
 * load their unbundled modules from dist/ as before.
 *
 * The feed benchmark's indexer process (bench/feed-index-run.ts) is bundled beside it, sharing
 * its chunks, so that the benchmark times the indexer as `tsbake package-index` loads it.
 */
import { build, type Plugin } from 'esbuild';
import { readFile, rename, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { PACKAGE_ROOT } from '../engine/core/package-root.js';

const DIST = join(PACKAGE_ROOT, 'dist');
const OUT_DIR = join(DIST, 'bundle');
const EXTERNAL = ['better-sqlite3', 'zstd-napi', 'tar-stream'];

/** `import.meta.url` of a dist module, as seen from the bundle. */
const metaUrl: Plugin = {
  name: 'dist-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, async (args) => {
      let source = await readFile(args.path, 'utf8');
      if (args.path.startsWith(DIST + '/') && source.includes('import.meta.url')) {
        const rel = `./${relative(OUT_DIR, args.path)}`;
        source = source.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`);
      }
      return { contents: source, loader: 'js' };
    });
  },
};

const tmp = `${OUT_DIR}.${process.pid}.tmp`;
await build({
  entryPoints: { tsbake: join(DIST, 'engine', 'cli', 'main.js'), 'feed-index-run': join(DIST, 'bench', 'feed-index-run.js') },
  outdir: tmp,
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: EXTERNAL,
  plugins: [metaUrl],
  logLevel: 'warning',
});
await rm(OUT_DIR, { recursive: true, force: true });
await rename(tmp, OUT_DIR);
