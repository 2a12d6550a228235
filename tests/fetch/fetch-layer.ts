/**
 * Layers for the fetcher tests: the directory variables tsbake's bitbake.conf defines, and a
 * base class whose do_fetch/do_unpack/do_patch are the python stubs bound to the builtins
 * (as in recipes/classes/base.bbclass), so the CLI runs the real fetcher.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fetchAll, fetchSettings } from '../../engine/fetch/fetcher.js';
import { applyPatches } from '../../engine/fetch/patch.js';
import { unpackAll } from '../../engine/fetch/unpack.js';
import type { DataStore } from '../../engine/metadata/datastore.js';
import { recipeStore } from '../helpers/layer.js';
import { runLayer, startBake } from '../run/run-layer.js';

export const FETCH_CONF = [
  'BP = "${PN}-${PV}"',
  'UNPACKDIR = "${WORKDIR}/sources"',
  'S = "${UNPACKDIR}/${BP}"',
  'DL_DIR = "${TOPDIR}/downloads"',
  `FILE_DIRNAME = "\${@os.path.dirname(d.getVar('FILE', False))}"`,
  'FILESOVERRIDES = "qemuarm:tsbake"',
  'FILESPATH = "${FILE_DIRNAME}/files/qemuarm:${FILE_DIRNAME}/files/tsbake:${FILE_DIRNAME}/files"',
  'BB_GIT_DEFAULT_DESTSUFFIX = "${BP}"',
  '',
].join('\n');

/** do_fetch and do_unpack as base.bbclass has them (real BitBake runs these bodies too). */
export const FETCH_UNPACK_TASKS = [
  'python fetcher_hashes_dummyfunc() {\n    return\n}',
  'fetcher_hashes_dummyfunc[vardepvalue] = "${@bb.fetch.get_hashvalue(d)}"',
  "python do_fetch() {\n    bb.fetch2.Fetch((d.getVar('SRC_URI') or '').split(), d).download()\n}",
  'do_fetch[dirs] = "${DL_DIR}"',
  'do_fetch[network] = "1"',
  'do_fetch[prefuncs] += "fetcher_hashes_dummyfunc"',
  'do_fetch[vardeps] += "SRCREV"',
  'do_fetch[file-checksums] = "${@bb.fetch.get_checksum_file_list(d)}"',
  'addtask fetch',
  "python do_unpack() {\n    bb.fetch2.Fetch((d.getVar('SRC_URI') or '').split(), d).unpack(d.getVar('UNPACKDIR'))\n}",
  'do_unpack[dirs] = "${UNPACKDIR}"',
  'do_unpack[cleandirs] = "${UNPACKDIR}"',
  'addtask unpack after do_fetch',
];

export const FETCH_BASE = [
  ...FETCH_UNPACK_TASKS,
  "python do_patch() {\n    bb.fetch2.Fetch((d.getVar('SRC_URI') or '').split(), d).patch(d.getVar('S'))\n}",
  'do_patch[dirs] = "${S}"',
  'addtask patch after do_unpack',
  'do_compile() {\n\tcat ${S}/* > ${WORKDIR}/compiled || true\n}',
  'do_compile[dirs] = "${B}"',
  'do_compile[deptask] = "do_compile"',
  'addtask compile after do_patch',
  'do_build[noexec] = "1"',
  'addtask build after do_compile',
  '',
].join('\n');

/** A build directory with `recipes/<name>.bb` and `recipes/files/*` (binary allowed). */
export function fetchLayer(recipes: Readonly<Record<string, string>>, files: Readonly<Record<string, string | Buffer>> = {}, conf = ''): string {
  const dir = runLayer(recipes, { conf: FETCH_CONF + conf, base: FETCH_BASE });
  for (const [rel, data] of Object.entries(files)) {
    const p = join(dir, 'recipes', rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, data);
  }
  return dir;
}

export const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

export interface Run {
  readonly store: DataStore;
  readonly log: string[];
  /** What do_fetch reported to the live view. */
  readonly progress: number[];
}

const toolEnv = (): Record<string, string> => ({ PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp', LC_ALL: 'C' });

/** do_fetch of `recipes/<name>.bb`, in-process. */
export async function fetchRecipe(dir: string, name: string, signal = new AbortController().signal): Promise<Run> {
  const store = recipeStore(dir, `recipes/${name}.bb`);
  const log: string[] = [];
  const progress: number[] = [];
  const env = toolEnv();
  await fetchAll({ settings: fetchSettings(store, env), store, log: (l) => log.push(l), progress: (p) => progress.push(p), signal, env });
  return { store, log, progress };
}

/** do_unpack then do_patch of `recipes/<name>.bb`, in-process (after fetchRecipe). */
export async function unpackRecipe(dir: string, name: string, patch = true): Promise<Run> {
  const store = recipeStore(dir, `recipes/${name}.bb`);
  const log: string[] = [];
  const ctx = { store, log: (l: string) => log.push(l), signal: new AbortController().signal, env: toolEnv() };
  await unpackAll(ctx);
  if (patch) await applyPatches(ctx);
  return { store, log, progress: [] };
}

/** Runs the CLI without blocking this process (its servers must keep answering). */
export async function bakeAsync(dir: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string }> {
  const live = startBake(dir, args, env);
  const { code } = await live.exit;
  return { code, out: live.output() };
}
