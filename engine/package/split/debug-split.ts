/**
 * Debug split as oe-core's ".debug" style does it: for each unstripped ELF executable or
 * shared library in ${PKGD}, its debug info goes to `<dir>/.debug/<name>` (which the -dbg
 * package collects), the binary is stripped and gets a `.gnu_debuglink` to that file. Uses
 * the host's objcopy, which writes a new file (never into the old inode, which ${D} shares).
 * Hard links are processed once and linked again afterwards.
 */
import { chmodSync, linkSync, mkdirSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { hasDebugOrSymbols, readElf, type ElfInfo } from './elf.js';
import { runHostTool } from './host-tool.js';
import type { TreeEntry } from './tree.js';

export interface DebugSplitOptions {
  /** INHIBIT_PACKAGE_STRIP: leave binaries as they are. */
  readonly inhibitStrip: boolean;
  /** INHIBIT_PACKAGE_DEBUG_SPLIT: strip without keeping the debug info. */
  readonly inhibitSplit: boolean;
  readonly objcopy: string;
  readonly env: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
}

/** Files worth opening as ELF, as oe-core picks them: executable bits or a `.so` in the name. */
export const mayBeElf = (e: TreeEntry): boolean => e.kind === 'file' && ((e.mode & 0o111) !== 0 || e.path.includes('.so'));

const inDebugDir = (path: string): boolean => path.includes('/.debug/') || path.includes('/.debug-static/');

/** The ELF facts of every candidate file in the tree, by path (one read per inode). */
export function scanElf(root: string, entries: readonly TreeEntry[]): Map<string, ElfInfo> {
  const out = new Map<string, ElfInfo>();
  for (const e of entries) {
    if (!mayBeElf(e)) continue;
    const elf = readElf(join(root, e.path));
    if (elf) out.set(e.path, elf);
  }
  return out;
}

export interface DebugSplitResult {
  /** Binaries stripped (one per inode). */
  readonly processed: number;
  /** The debug files written (tree paths). */
  readonly debugFiles: readonly string[];
}

export async function splitDebugInfo(pkgd: string, entries: readonly TreeEntry[], elves: ReadonlyMap<string, ElfInfo>, opts: DebugSplitOptions): Promise<DebugSplitResult> {
  if (opts.inhibitStrip) return { processed: 0, debugFiles: [] };
  const groups = new Map<number, TreeEntry[]>();
  for (const e of entries) {
    const elf = elves.get(e.path);
    if (!elf || (elf.type !== 'exec' && elf.type !== 'dyn') || inDebugDir(e.path) || !hasDebugOrSymbols(elf)) continue;
    const group = groups.get(e.ino) ?? [];
    group.push(e);
    groups.set(e.ino, group);
  }
  const written: string[] = [];
  const run = (args: readonly string[]): Promise<void> => runHostTool(opts.objcopy, args, opts.env, opts.signal);
  for (const group of groups.values()) {
    const [first, ...others] = group;
    if (!first) continue;
    const file = join(pkgd, first.path);
    const elf = elves.get(first.path);
    // Shared libraries keep the symbols other objects link against; executables lose them all.
    const strip = elf?.type === 'dyn' ? '--strip-unneeded' : '--strip-all';
    const debugPath = `${dirname(first.path)}/.debug/${basename(first.path)}`;
    const debugFile = join(pkgd, debugPath);
    if (!opts.inhibitSplit) {
      mkdirSync(dirname(debugFile), { recursive: true });
      await run(['--only-keep-debug', file, debugFile]);
      written.push(debugPath);
    }
    // Into a new file, renamed over the name: objcopy given one file rewrites a multiply
    // linked one in place, and ${PKGD}'s files are links to ${D}'s (link-tree.ts).
    const stripped = `${file}.tsbake-strip`;
    const debuglink = opts.inhibitSplit ? [] : [`--add-gnu-debuglink=${debugFile}`];
    try {
      await run([strip, '--remove-section=.comment', '--remove-section=.note', ...debuglink, file, stripped]);
      chmodSync(stripped, statSync(file).mode & 0o7777);
      renameSync(stripped, file);
    } finally {
      rmSync(stripped, { force: true });
    }
    for (const other of others) {
      const path = join(pkgd, other.path);
      unlinkSync(path);
      linkSync(file, path);
    }
  }
  return { processed: groups.size, debugFiles: written };
}
