/**
 * The tsbake side of the rootfs-install benchmark, as its own process (like the dpkg it is
 * compared with): installs every package of a generated feed into a fresh rootfs with the
 * install engine. Usage: node rootfs-install-run.js FEED.json ROOTFS SCRATCH
 */
import { readFileSync } from 'node:fs';
import type { PackageSpec } from '../engine/package/model/spec.js';
import { resolveClosure } from '../engine/rootfs/closure.js';
import { dpkgBackend } from '../engine/rootfs/control-backend.js';
import { installPackages } from '../engine/rootfs/install.js';

export interface BenchFeed {
  readonly packages: ReadonlyArray<{ readonly spec: PackageSpec; readonly file: string }>;
}

const [feedFile = '', root = '', scratch = ''] = process.argv.slice(2);
const feed = JSON.parse(readFileSync(feedFile, 'utf8')) as BenchFeed;
const specs = new Map(feed.packages.map((p) => [p.spec.name, p]));
const closure = resolveClosure(
  { get: (n) => specs.get(n)?.spec, providers: () => [] },
  { install: [...specs.keys()], badRecommendations: [], noRecommendations: false },
);
await installPackages({
  closure,
  backend: dpkgBackend(root),
  packageFile: (spec) => specs.get(spec.name)?.file ?? '',
  host: { root, scratch, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' }, signal: new AbortController().signal },
  onPostinstFailure: 'fail',
  readOnlyRootfs: false,
  logFile: '',
  log: () => undefined,
  warn: () => undefined,
});
