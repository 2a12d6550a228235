/**
 * What every tar extractor in tsbake shares (do_unpack's, sstate restore's, the rootfs
 * unpack's): walking the entries one at a time, judging member names, and giving directories
 * their modes last. Each extractor keeps its own rules for what it writes where (a fresh
 * directory or an existing tree, links followed inside a root or refused).
 */
import { chmodSync, utimesSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract, type ExtractEvents, type Header } from 'tar-stream';

/** tar-stream's entry stream (a streamx Readable). */
export type EntryStream = ExtractEvents['entry'][1];

/**
 * Walks a tar stream one entry at a time; `handle` consumes each entry's body before the
 * next. The first failure, the handler's before the stream's, rejects, and the input is
 * destroyed with it (a decompressor feeding it sees its pipe close instead of blocking).
 */
export async function forEachTarEntry(tar: Readable, handle: (header: Header, body: EntryStream) => Promise<void>): Promise<void> {
  const extract = tarExtract();
  let failure: unknown;
  extract.on('entry', (header, body, next) => {
    // A failure destroys every entry stream with it; the pipeline reports it, not the entry.
    body.on('error', () => undefined);
    handle(header, body).then(
      () => next(),
      (e: unknown) => {
        failure ??= e;
        next(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
  try {
    await pipeline(tar, extract);
  } catch (e) {
    throw failure ?? e;
  }
}

/** Why a member name may not be extracted below a root (absolute, or a `..` component); undefined when it may. */
export function unsafeMemberName(name: string): string | undefined {
  if (name.startsWith('/')) return 'absolute path';
  if (name.split('/').includes('..')) return "path contains '..'";
  return undefined;
}

/** A member name's components, without empty and `.` ones. */
export function memberParts(name: string): string[] {
  return name.split('/').filter((p) => p !== '' && p !== '.');
}

export interface PendingDirectory {
  readonly path: string;
  readonly mode: number;
  readonly mtime: Date | undefined;
}

/**
 * Directory modes and times, applied after everything else and deepest first: a read-only
 * directory is filled before it gets its mode, and setting a child's time does not disturb
 * its parent's afterwards.
 */
export function finishDirectories(dirs: readonly PendingDirectory[]): void {
  const depth = (p: string): number => p.split('/').length;
  for (const d of [...dirs].sort((a, b) => depth(b.path) - depth(a.path))) {
    chmodSync(d.path, d.mode);
    if (d.mtime) utimesSync(d.path, d.mtime, d.mtime);
  }
}
