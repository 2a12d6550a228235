/**
 * Tiny layers for tests: write files into a fresh temp directory, then parse them in-process
 * (MetadataSession) or run the real CLI against them.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PACKAGE_ROOT } from '../../engine/core/package-root.js';
import type { DataStore } from '../../engine/metadata/datastore.js';
import { expandKeys } from '../../engine/metadata/finalise.js';
import { InlinePythonHost } from '../../engine/metadata/inline-python/host.js';
import { MetadataSession } from '../../engine/metadata/session.js';
import { showValue } from '../../engine/metadata/value.js';
import { PythonWorker } from '../../engine/metadata/python/worker-client.js';

/** The smallest configuration plain BitBake accepts, plus BBFILES for meta/recipes-*. */
export const PRELUDE = 'CACHE = "${TOPDIR}/cache"\nBBFILES += "${TOPDIR}/meta/recipes-*/*/*.bb ${TOPDIR}/meta/recipes-*/*/*.bbappend"\n';
export const BASE_CLASS = 'do_build () {\n\ttrue\n}\naddtask build\n';

/** Writes `files` (path → text) under a new temp dir; adds a base class unless given. */
export function makeLayer(files: Readonly<Record<string, string>>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsbake-test-'));
  const all: Record<string, string> = { 'classes/base.bbclass': BASE_CLASS, ...files };
  for (const [rel, text] of Object.entries(all)) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return dir;
}

/** A configuration-only layer: conf/bitbake.conf = prelude + `conf`. */
export function confLayer(conf: string, extra: Readonly<Record<string, string>> = {}): string {
  return makeLayer({ 'conf/bitbake.conf': PRELUDE + conf, ...extra });
}

export function openLayer(dir: string, opts: { tracking?: boolean } = {}): MetadataSession {
  const python = new InlinePythonHost(new PythonWorker());
  return MetadataSession.open({ cwd: dir, env: { BBPATH: dir, HOME: process.env['HOME'] }, storeEnv: { python, tracking: opts.tracking ?? false } });
}

/** The configuration datastore as `getvar` without a recipe reads it. */
export function configStore(dir: string): DataStore {
  const store = openLayer(dir).config.store.createCopy();
  expandKeys(store);
  return store;
}

export function recipeStore(dir: string, recipe: string): DataStore {
  const main = openLayer(dir).parseRecipe(join(dir, recipe))[0];
  if (!main) throw new Error(`no datastore for ${recipe}`);
  return main.store;
}

/** getvar's answer: the value as text, or undefined when unset. */
export function value(store: DataStore, query: string): string | undefined {
  const m = /^(.+)\[([^\]]+)\]$/.exec(query);
  const v = m ? store.getVarFlag(m[1] ?? '', m[2] ?? '') : store.getVar(query);
  return v === undefined || v === null ? undefined : showValue(v);
}

export interface CliResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI (dist/engine/cli/main.js) in `cwd` with BBPATH = cwd unless overridden. */
export function tsbake(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = { BBPATH: cwd }): CliResult {
  const r = spawnSync(process.execPath, [join(PACKAGE_ROOT, 'dist/engine/cli/main.js'), ...args], {
    cwd,
    env: { PATH: process.env['PATH'], HOME: process.env['HOME'], ...env },
    encoding: 'utf8',
    timeout: 1_200_000, // a hang guard only: a loaded machine may take minutes
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
