/**
 * The compressors package members go through. Output is deterministic: zstd's multi-threaded
 * format is the same for any thread count (zstd-file.ts), gzip headers carry no
 * name and no time (zlib writes mtime 0), and xz runs single-threaded. There is no xz codec
 * in Node: xz is the host's `xz` as a filter process.
 */
import type { ChildProcess } from 'node:child_process';
import { Duplex, PassThrough, type Transform } from 'node:stream';
import { createGzip } from 'node:zlib';
import { TsbakeError } from '../../core/errors.js';
import { spawnInGroup } from '../../core/proc.js';

export type CompressionKind = 'zstd' | 'gzip' | 'xz' | 'none';

export interface Compression {
  readonly kind: CompressionKind;
  readonly level: number;
  /** zstd's threads (ZSTD_THREADS); unset: one per CPU. */
  readonly threads?: number;
}

export const COMPRESSION_SUFFIX: Readonly<Record<CompressionKind, string>> = { zstd: '.zst', gzip: '.gz', xz: '.xz', none: '' };

/** A compressor name as PACKAGE classes spell it (`zstd`, `gzip`, `xz`, `none`); undefined when unknown. */
function parseCompressionKind(name: string): CompressionKind | undefined {
  return (['zstd', 'gzip', 'xz', 'none'] as const).find((k) => k === name);
}

/** The host's xz failed (missing, or exited non-zero). */
export class CompressorError extends TsbakeError {
  readonly code = 'E_COMPRESSOR';
}

function xzFilter(level: number): Duplex {
  const child: ChildProcess = spawnInGroup('xz', ['-T1', `-${level}`, '-c', '-q'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const { stdin, stdout } = child;
  if (!stdin || !stdout) throw new CompressorError('xz: no pipes');
  const duplex = Duplex.from({ writable: stdin, readable: stdout });
  child.once('error', (e) => duplex.destroy(new CompressorError(`xz: ${e.message}`, undefined, 'install the xz-utils package')));
  child.once('exit', (code) => {
    if (code !== 0) duplex.destroy(new CompressorError(`xz exited with ${String(code)}`));
  });
  return duplex;
}

/** A stream compressor for the kinds that are not zstd (zstd-compress.ts drives zstd directly). */
export function compressor(c: Compression & { readonly kind: Exclude<CompressionKind, 'zstd'> }): Transform | Duplex {
  switch (c.kind) {
    case 'gzip':
      return createGzip({ level: c.level });
    case 'xz':
      return xzFilter(c.level);
    case 'none':
      return new PassThrough();
    default: {
      const never: never = c.kind;
      throw new Error(`unreachable: ${String(never)}`);
    }
  }
}

/** Reads a setting (a variable's expanded value, '' when unset). */
export type Settings = (name: string) => string;

const LEVEL_VARS: Readonly<Record<CompressionKind, readonly [name: string, fallback: number]>> = {
  zstd: ['ZSTD_COMPRESSION_LEVEL', 3],
  xz: ['XZ_COMPRESSION_LEVEL', 6],
  gzip: ['GZIP_COMPRESSION_LEVEL', 9],
  none: ['', 0],
};

/** The compressor a format variable names (`DEB_COMPRESSOR = "zstd"`), at its level variable's level. */
export function compressionSetting(get: Settings, variable: string, fallback: CompressionKind): Compression {
  const name = get(variable).trim() || fallback;
  const kind = parseCompressionKind(name);
  if (!kind) throw new CompressorError(`${variable} = "${name}": not a compressor tsbake writes`, undefined, 'use zstd, xz, gzip or none');
  const [levelVar, defaultLevel] = LEVEL_VARS[kind];
  const text = levelVar ? get(levelVar).trim().replace(/^-/, '') : '';
  const level = text === '' ? defaultLevel : Number.parseInt(text, 10);
  if (!Number.isInteger(level)) throw new CompressorError(`${levelVar} = "${text}": not a number`);
  const threads = kind === 'zstd' ? get('ZSTD_THREADS').trim() : '';
  if (threads === '') return { kind, level };
  if (!/^\d+$/.test(threads)) throw new CompressorError(`ZSTD_THREADS = "${threads}": not a number`);
  return { kind, level, threads: Number(threads) };
}
