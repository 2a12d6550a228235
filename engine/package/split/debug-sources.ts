/**
 * The sources of `${PN}-src`, as oe-core's "debug-with-srcpkg" style ships them: the files
 * the binaries' DWARF line tables name, at the paths the compiler recorded. The recipe
 * compiles with `-ffile-prefix-map=OLD=NEW` (DEBUG_PREFIX_MAP in CFLAGS), so a recorded
 * `/usr/src/debug/greet/1.0/main.c` is `OLD/main.c` in the work directory; it is copied to
 * `${PKGD}/usr/src/debug/greet/1.0/main.c`. Only maps of the recipe's own WORKDIR count:
 * headers of other recipes and of the host are theirs to ship. The line tables are read with
 * the host's readelf (binutils, which objcopy comes with).
 */
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import type { ElfInfo } from './elf.js';
import { readHostTool } from './host-tool.js';
import type { TreeEntry } from './tree.js';

interface LineTable {
  readonly version: number;
  readonly dirs: Map<number, string>;
  readonly files: Array<{ readonly dir: number; readonly name: string }>;
}

/** `(indirect line string, offset: 0x4): /usr/include` → `/usr/include`. */
const value = (field: string): string => field.replace(/^\([^)]*\): /, '');

/**
 * The absolute source paths in `readelf --debug-dump=line` output. DWARF 5 tables hold their
 * compilation directory as directory 0; older ones take it from `compDirs` (one per unit,
 * in the same order), and names relative to an unknown directory are left out.
 */
export function parseDebugLines(text: string, compDirs: readonly string[] = []): string[] {
  const tables: LineTable[] = [];
  let mode: 'dirs' | 'files' | undefined;
  for (const line of text.split('\n')) {
    const version = /^\s*DWARF Version:\s+(\d+)/.exec(line);
    if (version) {
      tables.push({ version: Number(version[1]), dirs: new Map(), files: [] });
      mode = undefined;
      continue;
    }
    const table = tables.at(-1);
    if (!table) continue;
    if (/^\s*The Directory Table/.test(line)) mode = 'dirs';
    else if (/^\s*The File Name Table/.test(line)) mode = 'files';
    else if (line.trim() === '' || /^\s*Line Number Statements/.test(line)) mode = undefined;
    else if (mode === 'dirs') {
      const m = /^\s+(\d+)\t(.*)$/.exec(line);
      if (m) table.dirs.set(Number(m[1]), value(m[2] ?? ''));
    } else if (mode === 'files') {
      const m = /^\s+\d+\t(\d+)\t(.*)$/.exec(line);
      if (m) table.files.push({ dir: Number(m[1]), name: value((m[2] ?? '').split('\t').at(-1) ?? '') });
    }
  }
  const out = new Set<string>();
  tables.forEach((table, i) => {
    const compDir = table.version >= 5 ? table.dirs.get(0) : compDirs[i];
    for (const f of table.files) {
      if (f.name.startsWith('<')) continue; // <built-in>, <internal>
      const dir = table.version < 5 && f.dir === 0 ? compDir : table.dirs.get(f.dir);
      // a name is absolute, or relative to its directory, which may be relative to the compilation directory
      let path: string | undefined;
      if (f.name.startsWith('/')) path = f.name;
      else if (dir?.startsWith('/')) path = `${dir}/${f.name}`;
      else if (dir !== undefined && compDir?.startsWith('/')) path = `${compDir}/${dir}/${f.name}`;
      if (path) out.add(posix.normalize(path));
    }
  });
  return [...out].sort();
}

/** The compilation directories in `readelf --debug-dump=info` output, one per unit. */
export function parseCompDirs(text: string): string[] {
  return [...text.matchAll(/DW_AT_comp_dir\s*:\s*(.*)$/gm)].map((m) => value(m[1] ?? '').trim());
}

export interface PrefixMap {
  /** The directory on the build host... */
  readonly from: string;
  /** ...and the path the debug info records instead. */
  readonly to: string;
}

/** `-ffile-prefix-map=` and `-fdebug-prefix-map=` maps of `flags` whose build directory is `workdir` or below it. */
export function prefixMaps(flags: string, workdir: string): PrefixMap[] {
  const out: PrefixMap[] = [];
  for (const flag of flags.split(/\s+/)) {
    const m = /^-f(?:file|debug)-prefix-map=([^=]+)=(.*)$/.exec(flag);
    const from = m?.[1]?.replace(/\/+$/, '');
    if (!m || !from || !(from === workdir || from.startsWith(`${workdir}/`))) continue;
    out.push({ from, to: (m[2] ?? '').replace(/\/+$/, '') });
  }
  return out;
}

/** Where a recorded path is in the work directory: the last map that finds a regular file wins (as gcc tries them last first). */
export function sourceOf(recorded: string, maps: readonly PrefixMap[], isFile: (path: string) => boolean): string | undefined {
  let found: string | undefined;
  for (const map of maps) {
    if (!recorded.startsWith(`${map.to}/`)) continue;
    const rel = recorded.slice(map.to.length + 1);
    if (rel.split('/').includes('..')) continue;
    const real = join(map.from, rel);
    if (isFile(real)) found = real;
  }
  return found;
}

const isFile = (path: string): boolean => {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
};

export interface DebugSourcesOptions {
  readonly readelf: string;
  readonly env: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
}

/** The recorded source paths of one ELF file with debug info. */
export async function debugSourcesOf(file: string, opts: DebugSourcesOptions): Promise<string[]> {
  const lines = await readHostTool(opts.readelf, ['--debug-dump=line', file], opts.env, opts.signal);
  const old = [...lines.matchAll(/^\s*DWARF Version:\s+(\d+)/gm)].some((m) => Number(m[1]) < 5);
  const compDirs = old ? parseCompDirs(await readHostTool(opts.readelf, ['--debug-dump=info', file], opts.env, opts.signal)) : [];
  return parseDebugLines(lines, compDirs);
}

/** Copies the sources the binaries name into ${PKGD} at their recorded paths; returns those paths, sorted. */
export function copyDebugSources(pkgd: string, recorded: Iterable<string>, maps: readonly PrefixMap[]): string[] {
  const copied: string[] = [];
  for (const path of [...new Set(recorded)].sort()) {
    const source = sourceOf(path, maps, isFile);
    if (!source) continue;
    const target = join(pkgd, path);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(source, target);
    copied.push(path);
  }
  return copied;
}

/**
 * The sources every binary of ${PKGD} with a line table names, copied into ${PKGD} (call it
 * before stripping: the line tables leave with the debug info). Returns the copied paths.
 */
export async function shipDebugSources(pkgd: string, entries: readonly TreeEntry[], elves: ReadonlyMap<string, ElfInfo>, maps: readonly PrefixMap[], opts: DebugSourcesOptions): Promise<string[]> {
  if (maps.length === 0) return [];
  const seen = new Set<number>();
  const recorded: string[] = [];
  for (const e of entries) {
    if (!elves.get(e.path)?.sections.includes('.debug_line') || seen.has(e.ino) || /\/\.debug(-static)?\//.test(e.path)) continue;
    seen.add(e.ino);
    recorded.push(...(await debugSourcesOf(join(pkgd, e.path), opts)));
  }
  return copyDebugSources(pkgd, recorded, maps);
}
