#!/usr/bin/env node
/**
 * tsbake-sstate: the sstate cache maintenance tool (oe-core's sstate-cache-management.py,
 * plus LRU eviction and verification). Entry point: parses the command line, finds the
 * cache, installs the signal handlers, formats errors once and maps outcomes to exit codes
 * (0 ok, 1 removals failed or corrupt archives left, 2 usage or directory error, 130/143
 * interrupted).
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { formatError } from '../../engine/core/diagnostic.js';
import { UsageError } from '../../engine/core/errors.js';
import { InterruptedError } from './errors.js';
import { manageCache } from './manage.js';
import { parseOptions, USAGE } from './options.js';
import { askYesNo } from './prompt.js';

const out = (s: string): void => void process.stdout.write(s);
const err = (s: string): void => void process.stderr.write(s);

/**
 * TOPDIR as tsbake finds it (engine/cli/build-dir.ts), except that no build directory is
 * created: conf/bblayers.conf along BBPATH or upwards from here, or ./build.
 */
async function findBuildDir(cwd: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const { findConfigFile } = await import('../../engine/metadata/config.js');
  if (findConfigFile('bblayers.conf', env['BBPATH'], cwd, existsSync) || env['BBPATH']) return cwd;
  const build = join(cwd, 'build');
  return existsSync(join(build, 'conf', 'bblayers.conf')) ? build : undefined;
}

/** SSTATE_DIR of the build directory here, from tsbake's own configuration parse. */
async function buildSstateDir(cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  const topdir = await findBuildDir(cwd, env);
  if (topdir === undefined) {
    throw new UsageError(`no build directory in ${cwd} (no conf/bblayers.conf here, above or in ./build, and BBPATH is unset)`, undefined, 'pass --cache-dir DIR, or run tsbake-sstate in a build directory');
  }
  // Loaded only here: --cache-dir runs do not pay for the metadata engine.
  const [{ openSession }, { asText }] = await Promise.all([import('../../engine/cli/session.js'), import('../../engine/metadata/datastore.js')]);
  const dir = asText(openSession({ cwd: topdir, env }).config.store.getVar('SSTATE_DIR'));
  if (dir === '') throw new UsageError(`SSTATE_DIR is not set in the build directory ${topdir}`, undefined, 'pass --cache-dir DIR');
  return resolve(topdir, dir);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e instanceof Error && 'code' in e && e.code === 'EPERM';
  }
}

async function main(argv: readonly string[], signal: AbortSignal): Promise<number> {
  // Threads beyond the CPUs only add start-up and contention on a local disk; on NFS, -j more.
  const command = parseOptions(argv, Math.min(8, Math.max(2, availableParallelism())));
  if (command.help) {
    out(`${USAGE}\n`);
    return 0;
  }
  const o = command.options;
  const cacheDir = o.cacheDir ?? (await buildSstateDir(process.cwd(), process.env));
  return manageCache(cacheDir, o, {
    out,
    err,
    confirm: (question) => {
      out(`${question}\n`);
      return askYesNo(process.stdin, signal);
    },
    now: () => Date.now(),
    isAlive,
    signal,
  });
}

const controller = new AbortController();
const onSignal = (sig: NodeJS.Signals): void => {
  if (controller.signal.aborted) process.exit(sig === 'SIGINT' ? 130 : 143); // a second Ctrl-C
  controller.abort(sig);
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

try {
  process.exitCode = await main(process.argv.slice(2), controller.signal);
} catch (e) {
  if (controller.signal.aborted || e instanceof InterruptedError) {
    err('tsbake-sstate: interrupted; files removed so far stay removed\n');
    process.exitCode = controller.signal.reason === 'SIGTERM' ? 143 : 130;
  } else {
    err(`${formatError(e)}\n`);
    process.exitCode = 2;
  }
}
