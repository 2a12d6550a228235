/**
 * Tiny build layers for the task-runner tests: a build directory that is its own layer
 * (conf/bblayers.conf names TOPDIR, conf/layer.conf adds recipes/*.bb), a minimal
 * conf/bitbake.conf with the directory variables, a base class with three shell tasks, and
 * helpers that run the real CLI and read what it printed and wrote.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PACKAGE_ROOT } from '../../engine/core/package-root.js';
import { makeLayer, tsbake, type CliResult } from '../helpers/layer.js';

export const TSBAKE_MAIN = join(PACKAGE_ROOT, 'dist/engine/cli/main.js');

export const BBLAYERS_CONF = (layer = '${TOPDIR}'): string => `BBPATH = "\${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "${layer}"\n`;
export const LAYER_CONF = [
  'BBPATH .= ":${LAYERDIR}"',
  'BBFILES += "${LAYERDIR}/recipes/*.bb"',
  'BBFILE_COLLECTIONS += "t"',
  'BBFILE_PATTERN_t = "^${LAYERDIR}/"',
  'BBFILE_PRIORITY_t = "5"',
  '',
].join('\n');

/** Every directory a task uses, under TMPDIR; what varies per build directory is ignored in hashes. */
export const RUN_CONF = [
  'CACHE = "${TOPDIR}/cache"',
  `PN = "\${@bb.parse.vars_from_file(d.getVar('FILE', False),d)[0] or 'defaultpkgname'}"`,
  `PV = "\${@bb.parse.vars_from_file(d.getVar('FILE', False),d)[1] or '1.0'}"`,
  'PR = "r0"',
  'TMPDIR = "${TOPDIR}/tmp"',
  'WORKDIR = "${TMPDIR}/work/${PN}"',
  'T = "${WORKDIR}/temp"',
  'S = "${WORKDIR}/src"',
  'B = "${S}"',
  'D = "${WORKDIR}/image"',
  'STAMP = "${TMPDIR}/stamps/${PN}"',
  'BUILDSTATS_BASE = "${TMPDIR}/buildstats"',
  'BB_NUMBER_THREADS = "4"',
  'BB_BASEHASH_IGNORE_VARS = "TMPDIR FILE PATH PWD BBPATH THISDIR FILE_DIRNAME HOME LOGNAME SHELL TERM USER TOPDIR CACHE BUILDSTATS_BASE BB_NUMBER_THREADS"',
  'export PATH',
  'export HOME',
  '',
].join('\n');

/** fetch → compile → install → build (noexec); compile waits for the install of every DEPENDS. */
export const RUN_BASE = [
  'do_fetch() {\n\techo fetch ${PN}\n}\naddtask fetch',
  'do_compile() {\n\techo compile ${PN}\n}\naddtask compile after do_fetch',
  'do_compile[deptask] = "do_install"',
  'do_install() {\n\techo install ${PN}\n}\naddtask install after do_compile',
  'do_build[noexec] = "1"',
  'addtask build after do_install',
  '',
].join('\n');

export interface RunLayerOptions {
  /** Appended to conf/bitbake.conf. */
  readonly conf?: string;
  /** Replaces the base class. */
  readonly base?: string;
  /** More files (path → text). */
  readonly extra?: Readonly<Record<string, string>>;
}

/** A build directory whose recipes are `recipes/<name>.bb` (name like `app_1.0`). */
export function runLayer(recipes: Readonly<Record<string, string>>, opts: RunLayerOptions = {}): string {
  const files: Record<string, string> = {
    'conf/bblayers.conf': BBLAYERS_CONF(),
    'conf/layer.conf': LAYER_CONF,
    'conf/bitbake.conf': RUN_CONF + (opts.conf ?? ''),
    'classes/base.bbclass': opts.base ?? RUN_BASE,
    ...opts.extra,
  };
  for (const [name, text] of Object.entries(recipes)) files[`recipes/${name}.bb`] = text;
  return makeLayer(files);
}

/** A build directory of its own (only conf/bblayers.conf) using the layer in `layer`. */
export function buildDirFor(layer: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsbake-build-'));
  mkdirSync(join(dir, 'conf'));
  writeFileSync(join(dir, 'conf/bblayers.conf'), BBLAYERS_CONF(layer));
  return dir;
}

/** Appends `text` to the layer's conf/bitbake.conf. */
export function appendConf(dir: string, text: string): void {
  const path = join(dir, 'conf/bitbake.conf');
  writeFileSync(path, readFileSync(path, 'utf8') + text);
}

/** The build directory is found through conf/bblayers.conf: no BBPATH in the environment. */
export function bake(dir: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): CliResult {
  return tsbake(['--no-progress', ...args], dir, env);
}

/** A subcommand (`buildstats`, `getvar`, ...), which takes no build options. */
export function command(dir: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): CliResult {
  return tsbake(args, dir, env);
}

/** `pn:do_task` for each "Started" line, in order. */
export function started(stdout: string): string[] {
  return [...stdout.matchAll(/^NOTE: recipe (\S+?)-[^-\s]+-r\d+: task (do_\w+): Started$/gm)].map((m) => `${m[1]}:${m[2]}`);
}

export const sorted = (xs: readonly string[]): string[] => [...xs].sort();

/** The final summary line's numbers. */
export function tasksSummary(stdout: string): { attempted: number; skipped: number; tail: string } | undefined {
  const m = /^NOTE: Tasks Summary: Attempted (\d+) tasks of which (\d+) didn't need to be rerun and (.*)$/m.exec(stdout);
  return m ? { attempted: Number(m[1]), skipped: Number(m[2]), tail: m[3] ?? '' } : undefined;
}

/** Stamp file names (not sigdata) of the build, sorted. */
export function stamps(dir: string): string[] {
  const d = join(dir, 'tmp/stamps');
  if (!existsSync(d)) return [];
  return readdirSync(d).filter((n) => !n.includes('.sigdata.') && !n.endsWith('.taint')).sort();
}

/** The stamp hash of `pn:task`, or undefined. */
export function stampHash(dir: string, pn: string, task: string): string | undefined {
  const prefix = `${pn}.${task}.`;
  const hit = stamps(dir).find((n) => n.startsWith(prefix));
  return hit?.slice(prefix.length);
}

export const tempDir = (dir: string, pn: string): string => join(dir, 'tmp/work', pn, 'temp');
export const readText = (path: string): string => readFileSync(path, 'utf8');

/** The started CLI (for signal tests): its output so far and how it ended. */
export interface LiveBuild {
  readonly child: ChildProcess;
  readonly pid: number;
  output(): string;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startBake(dir: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): LiveBuild {
  const child = spawn(process.execPath, [TSBAKE_MAIN, '--no-progress', ...args], {
    cwd: dir,
    env: { PATH: process.env['PATH'], HOME: process.env['HOME'], ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (out += s));
  // 'close', not 'exit': a process's last output can arrive after its exit event, and tests read it.
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  if (child.pid === undefined) throw new Error('cannot start tsbake');
  return { child, pid: child.pid, output: () => out, exit };
}

/** Polls until `ok()` or the deadline; returns whether it became true. Not a timing assertion: the bound only stops a hang. */
export async function waitFor(ok: () => boolean, timeoutMs = 300_000, stepMs = 25): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (ok()) return true;
    await sleep(stepMs);
  }
  return ok();
}

/** Processes (other than this one) whose cwd is inside `dir` or whose command line names it. */
export function processesIn(dir: string): Array<{ pid: number; cmdline: string }> {
  const out: Array<{ pid: number; cmdline: string }> = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let cwd = '';
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      // gone, a zombie, or not ours to read
    }
    if (cwd === dir || cwd.startsWith(`${dir}/`) || cmdline.includes(dir)) out.push({ pid, cmdline });
  }
  return out;
}
