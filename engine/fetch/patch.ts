/**
 * do_patch: the SRC_URI entries that are patches (`*.patch`, `*.diff`, or `apply=yes`; never
 * `apply=no`), in SRC_URI order, applied with the host's GNU `patch` in `${S}` (or
 * `${S}/<patchdir>`) at `striplevel=` (or `pnum=`; default 1). Each patch is tried with `--dry-run`
 * first, so a patch that does not apply leaves the tree as it was; the error names the patch,
 * the file and the hunk that failed, and shows that hunk.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { asText, type DataStore } from '../metadata/datastore.js';
import { PatchError } from './errors.js';
import { localPath } from './file.js';
import { downloadName } from './fetcher.js';
import { runTool, type ToolOptions } from './run-tool.js';
import { isPatch, patchStripLevel, srcUris, type SrcUri } from './src-uri.js';
import { archiveKind } from './unpack.js';

export interface PatchContext {
  readonly store: DataStore;
  readonly log: (line: string) => void;
  readonly signal: AbortSignal;
  readonly env: Readonly<Record<string, string>>;
}

/** Where the patch file is: its local path, or (compressed) what do_unpack made of it. */
function patchFile(u: SrcUri, store: DataStore): string {
  const file = u.type === 'file' ? localPath(u, store) : join(asText(store.getVar('DL_DIR')), downloadName(u));
  const kind = archiveKind(file);
  return kind.kind === 'compressed' ? join(asText(store.getVar('UNPACKDIR')) || asText(store.getVar('WORKDIR')), kind.out) : file;
}

export async function applyPatches(ctx: PatchContext): Promise<void> {
  const s = asText(ctx.store.getVar('S'));
  for (const u of srcUris(asText(ctx.store.getVar('SRC_URI')))) {
    if (!isPatch(u)) continue;
    const file = patchFile(u, ctx.store);
    const dir = resolve(s, u.params.get('patchdir') ?? '.');
    if (!existsSync(dir)) throw new PatchError(`cannot apply ${basename(file)}: ${dir} does not exist`, undefined, 'S (or patchdir=) must name the directory the sources unpacked into');
    const strip = patchStripLevel(u);
    const tools: ToolOptions = { env: ctx.env, signal: ctx.signal, cwd: dir };
    const args = [`-p${strip}`, '--batch', '--forward', '--no-backup-if-mismatch', '-i', file];
    const dry = await runTool('patch', ['--dry-run', ...args], tools);
    if (dry.status !== 0) throw patchFailure(basename(file), file, dir, dry.output);
    const r = await runTool('patch', args, tools);
    if (r.status !== 0) throw patchFailure(basename(file), file, dir, r.output);
    ctx.log(`NOTE: applied ${basename(file)} in ${dir}`);
  }
}

/** The error for a patch that does not apply: which hunks of which files failed, with the first hunk's text. */
export function patchFailure(name: string, file: string, dir: string, output: string): PatchError {
  const failed: Array<{ target: string; hunk: number; line: string }> = [];
  let target = '';
  for (const line of output.split('\n')) {
    const f = /^(?:checking|patching) file '?([^']*)'?$/.exec(line);
    if (f) target = f[1] ?? '';
    const h = /^Hunk #(\d+) FAILED at (\d+)/.exec(line);
    if (h) failed.push({ target, hunk: Number(h[1]), line: h[2] ?? '?' });
  }
  if (failed.length === 0) return new PatchError(`patch ${name} does not apply in ${dir}:\n${output.trimEnd()}`);
  const first = failed[0];
  const text = first ? hunkText(file, first.target, first.hunk) : undefined;
  const list = failed.map((f) => `${f.target}: hunk #${f.hunk} FAILED at line ${f.line}`).join('\n    ');
  return new PatchError(`patch ${name} does not apply in ${dir}:\n    ${list}${text ? `\nthe hunk that did not apply:\n${text}` : ''}`, undefined, 'refresh the patch against the new source, or remove it from SRC_URI');
}

/** The `n`th hunk (1-based) of `target` in a unified diff, or undefined. */
function hunkText(patch: string, target: string, n: number): string | undefined {
  let text: string;
  try {
    text = readFileSync(patch, 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  let inTarget = false;
  let count = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.startsWith('+++ ')) {
      const path = line.slice(4).split('\t')[0] ?? '';
      inTarget = path === target || path.endsWith(`/${target}`);
      count = 0;
      continue;
    }
    if (!inTarget || !line.startsWith('@@')) continue;
    if (++count !== n) continue;
    const out = [line];
    for (let j = i + 1; j < lines.length && /^[ +\-\\]/.test(lines[j] ?? '') && !(lines[j] ?? '').startsWith('--- '); j++) out.push(lines[j] ?? '');
    return out.join('\n');
  }
  return undefined;
}
