/**
 * The frames exchanged with the python3 worker (tsbake_worker/channel.py is the other end).
 * Each frame is a 4-byte big-endian length and UTF-8 JSON. Both sides send requests
 * `{t:'q', id, op, ...}` and answer them with `{t:'r', id, ok, value|error}`; the worker
 * also sends `{t:'n', op:'log'}` notifications, `{t:'w'}` batches of buffered `d` writes
 * (before its next request or reply) and, once, `{t:'hello'}`.
 */

export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/** How the worker's context dicts are brought up to date before a request runs. */
export type SyncOp =
  | readonly ['new', id: number, parent: number]
  | readonly ['drop', id: number]
  | readonly ['def', id: number, name: string, text: string, file: string, line: number]
  | readonly ['pylib', id: number, libdir: string, namespace: string, globalModules: readonly string[]];

export interface ErrorPayload {
  readonly type: string;
  readonly message: string;
  /** 'skip' for bb.parse.SkipRecipe, 'fatal' for bb.fatal, else 'python'. */
  readonly kind: 'python' | 'skip' | 'fatal';
  readonly file?: string;
  readonly line?: number;
  /** Set when the exception is a tsbake error that came back unchanged through Python. */
  readonly token?: number;
  /** Set when sync operation number `sync` failed (a def or pylib that does not run). */
  readonly sync?: number;
}

export type Incoming =
  | { readonly t: 'r'; readonly id: number; readonly ok: true; readonly value: Json }
  | { readonly t: 'r'; readonly id: number; readonly ok: false; readonly error: ErrorPayload }
  | { readonly t: 'q'; readonly id: number; readonly op: string; readonly h: number; readonly args: readonly Json[]; readonly at: readonly [string, number] | null }
  | { readonly t: 'n'; readonly op: 'log'; readonly level: string; readonly message: string }
  /** `d` writes the worker buffered (they return nothing): applied in order, never answered. */
  | { readonly t: 'w'; readonly writes: ReadonlyArray<{ readonly op: string; readonly h: number; readonly args: readonly Json[]; readonly at: readonly [string, number] | null }> }
  | { readonly t: 'hello'; readonly pid: number; readonly python: string };

export class ProtocolError extends Error {}

type Fields = Readonly<Record<string, unknown>>;

export function isRecord(x: unknown): x is Fields {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function num(m: Fields, key: string): number {
  const v = m[key];
  if (typeof v !== 'number') throw new ProtocolError(`frame field ${key} is not a number`);
  return v;
}

function str(m: Fields, key: string): string {
  const v = m[key];
  if (typeof v !== 'string') throw new ProtocolError(`frame field ${key} is not a string`);
  return v;
}

/** JSON.parse output is Json by construction; this only re-types it. */
function json(v: unknown): Json {
  return v === undefined ? null : (v as Json);
}

function errorPayload(raw: unknown): ErrorPayload {
  if (!isRecord(raw)) throw new ProtocolError('error reply without an error object');
  const kind = raw['kind'] === 'skip' || raw['kind'] === 'fatal' ? raw['kind'] : 'python';
  const file = raw['file'];
  const line = raw['line'];
  const token = raw['token'];
  const sync = raw['sync'];
  return {
    type: typeof raw['type'] === 'string' ? raw['type'] : 'Exception',
    message: typeof raw['message'] === 'string' ? raw['message'] : '',
    kind,
    ...(typeof file === 'string' && typeof line === 'number' ? { file, line } : {}),
    ...(typeof token === 'number' ? { token } : {}),
    ...(typeof sync === 'number' ? { sync } : {}),
  };
}

function location(raw: unknown): readonly [string, number] | null {
  if (!Array.isArray(raw) || raw.length !== 2) return null;
  const file: unknown = raw[0];
  const line: unknown = raw[1];
  return typeof file === 'string' && typeof line === 'number' ? [file, line] : null;
}

export function parseIncoming(raw: unknown): Incoming {
  if (!isRecord(raw)) throw new ProtocolError('frame is not an object');
  switch (raw['t']) {
    case 'r':
      return raw['ok'] === true
        ? { t: 'r', id: num(raw, 'id'), ok: true, value: json(raw['value']) }
        : { t: 'r', id: num(raw, 'id'), ok: false, error: errorPayload(raw['error']) };
    case 'q': {
      const args = raw['args'];
      if (!Array.isArray(args)) throw new ProtocolError('request without args');
      return { t: 'q', id: num(raw, 'id'), op: str(raw, 'op'), h: num(raw, 'h'), args: args.map(json), at: location(raw['at']) };
    }
    case 'n':
      return { t: 'n', op: 'log', level: str(raw, 'level'), message: str(raw, 'message') };
    case 'w': {
      const writes = raw['writes'];
      if (!Array.isArray(writes)) throw new ProtocolError('write batch without writes');
      return {
        t: 'w',
        writes: writes.map((w: unknown) => {
          if (!isRecord(w) || !Array.isArray(w['args'])) throw new ProtocolError('malformed buffered write');
          return { op: str(w, 'op'), h: num(w, 'h'), args: w['args'].map(json), at: location(w['at']) };
        }),
      };
    }
    case 'hello':
      return { t: 'hello', pid: num(raw, 'pid'), python: str(raw, 'python') };
    default:
      throw new ProtocolError(`unknown frame kind ${String(raw['t'])}`);
  }
}
