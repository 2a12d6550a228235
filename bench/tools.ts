/**
 * What the benchmarks share beyond the measuring harness: the tools under test, their
 * environments, the layer generator, and the common parts of a result line.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../engine/core/package-root.js';
import { megabytes, type Series } from './harness.js';

const GEN_LAYER = join(PACKAGE_ROOT, '..', 'shared', 'bench', 'gen-layer.py');
/** The CLI as the package's `bin` runs it: the bundle tools/bundle.ts makes (`npm run build`). */
export const TSBAKE = join(PACKAGE_ROOT, 'dist', 'bundle', 'tsbake.js');
/** BitBake needs a UTF-8 locale. */
export const BITBAKE_ENV = { ...process.env, LANG: 'en_US.UTF-8' };
/**
 * Node loads NODE_EXTRA_CA_CERTS while it boots, before any of our code: with the CA bundle
 * some sandboxes set, that is ~50 ms of every tsbake start-up. The benchmarked commands open
 * no TLS connection, so tsbake runs without the variable (the parse bench says so).
 */
export const TSBAKE_ENV = { ...Object.fromEntries(Object.entries(BITBAKE_ENV).filter(([k]) => k !== 'NODE_EXTRA_CA_CERTS')), TSBAKE_TIMINGS: '1' };

/**
 * `where start-up 80ms config 15ms recipes 60ms ... total 250ms`: the phases tsbake reported
 * (TSBAKE_TIMINGS, engine/core/timings.ts) in the run whose wall time is the series' median.
 */
export function wherePart(s: Series | string): string | undefined {
  if (typeof s === 'string' || s.runs.length === 0) return undefined;
  const run = [...s.runs].sort((a, b) => Math.abs(a.wallS - s.wallS) - Math.abs(b.wallS - s.wallS))[0];
  const line = /^tsbake-timings: (.*)$/m.exec(run?.stderr ?? '');
  return line ? `where ${line[1]}` : undefined;
}

/** bin/bitbake of $TSBAKE_BITBAKE (a checkout or the script itself), else ../bitbake. */
export function findBitbake(): string | undefined {
  const given = process.env['TSBAKE_BITBAKE'];
  for (const candidate of given ? [given] : [join(PACKAGE_ROOT, '..', 'bitbake')]) {
    if (!existsSync(candidate)) continue;
    const script = statSync(candidate).isDirectory() ? join(candidate, 'bin', 'bitbake') : candidate;
    if (existsSync(script)) return script;
  }
  return undefined;
}

/** A fresh gen-layer.py tree of n recipes (DIR/layer, DIR/build); `extra` are more generator options. */
export function generateLayer(bench: string, n: number, extra: readonly string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), `tsbake-bench-${bench}-${n}-`));
  const r = spawnSync('python3', [GEN_LAYER, '--n', String(n), ...extra, '--out', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gen-layer.py failed: ${r.stderr}`);
  return dir;
}

/** The first error line of a tool's output, else its first line: enough to say why a run failed. */
export const firstLine = (s: string): string => s.split('\n').find((l) => /ERROR|error/.test(l))?.slice(0, 200) ?? s.split('\n').find((l) => l.trim() !== '')?.slice(0, 200) ?? '';

/** `peak-rss tsbake 140MB bitbake 260MB ratio 0.538`, for whichever series were measured. */
export function rssPart(ts: Series | string, bb: Series | string | undefined): string | undefined {
  const mine = typeof ts === 'string' ? undefined : ts.peakRss;
  const theirs = bb === undefined || typeof bb === 'string' ? undefined : bb.peakRss;
  const rss = [mine === undefined ? undefined : `tsbake ${megabytes(mine)}`, theirs === undefined ? undefined : `bitbake ${megabytes(theirs)}`].filter((x) => x !== undefined);
  if (mine !== undefined && theirs) rss.push(`ratio ${(mine / theirs).toFixed(3)}`);
  return rss.length ? `peak-rss ${rss.join(' ')}` : undefined;
}
