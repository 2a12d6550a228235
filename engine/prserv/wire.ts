/**
 * BitBake's asyncrpc stream framing: UTF-8 lines ending in "\n". A message is one JSON line;
 * one that is too long for a line is sent as `{"chunk-stream": null}`, then the JSON text cut
 * into lines of at most 32 KiB - 1 characters, then an empty line.
 */
import type { Socket } from 'node:net';

export const MAX_CHUNK = 32 * 1024;

export class ProtocolError extends Error {}

export interface WireLimits {
  /** Longest line accepted, in bytes (a longer one is a protocol error). */
  readonly maxLine: number;
  /** Longest chunked message accepted, in bytes. */
  readonly maxMessage: number;
}

export const DEFAULT_LIMITS: WireLimits = { maxLine: 1024 * 1024, maxMessage: 64 * 1024 * 1024 };

/** The lines that carry `msg`. */
export function frameMessage(msg: unknown): string {
  const text = JSON.stringify(msg);
  if (text.length < MAX_CHUNK - 1) return `${text}\n`;
  let out = '{"chunk-stream": null}\n';
  for (let i = 0; i < text.length; i += MAX_CHUNK - 1) out += `${text.slice(i, i + MAX_CHUNK - 1)}\n`;
  return `${out}\n`;
}

/** Reads lines and messages from a socket, in order; `null` once the peer has closed. */
export class LineReader {
  readonly #socket: Socket;
  readonly #limits: WireLimits;
  #buffer: Buffer = Buffer.alloc(0);
  #lines: string[] = [];
  #ended = false;
  #failure: Error | undefined;
  #wake: (() => void) | undefined;

  constructor(socket: Socket, limits: WireLimits = DEFAULT_LIMITS) {
    this.#socket = socket;
    this.#limits = limits;
    socket.on('data', (chunk: Buffer) => this.#take(chunk));
    socket.on('end', () => this.#finish());
    socket.on('close', () => this.#finish());
    socket.on('error', (e) => {
      this.#failure ??= e;
      this.#finish();
    });
  }

  #take(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    let nl: number;
    while ((nl = this.#buffer.indexOf(0x0a)) >= 0) {
      this.#lines.push(this.#buffer.toString('utf8', 0, nl).replace(/\s+$/, ''));
      this.#buffer = this.#buffer.subarray(nl + 1);
    }
    if (this.#buffer.length > this.#limits.maxLine) {
      this.#failure ??= new ProtocolError(`line longer than ${this.#limits.maxLine} bytes`);
      this.#socket.pause();
    }
    this.#wake?.();
  }

  #finish(): void {
    this.#ended = true;
    this.#wake?.();
  }

  async readLine(): Promise<string | null> {
    for (;;) {
      const line = this.#lines.shift();
      if (line !== undefined) return line;
      if (this.#failure) throw this.#failure;
      if (this.#ended) {
        if (this.#buffer.length > 0) throw new ProtocolError('connection closed in the middle of a line');
        return null;
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
  }

  /** The next JSON message (chunk streams joined); `null` at end of stream. */
  async readMessage(): Promise<{ readonly value: unknown } | null> {
    const line = await this.readLine();
    if (line === null) return null;
    const first = parseJson(line);
    if (typeof first !== 'object' || first === null || !('chunk-stream' in first)) return { value: first };
    let text = '';
    for (;;) {
      const part = await this.readLine();
      if (part === null) throw new ProtocolError('connection closed in the middle of a chunked message');
      if (part === '') break;
      text += part;
      if (text.length > this.#limits.maxMessage) throw new ProtocolError(`message longer than ${this.#limits.maxMessage} bytes`);
    }
    return { value: parseJson(text) };
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ProtocolError(`not JSON: ${JSON.stringify(text.slice(0, 80))}`);
  }
}
