/**
 * Reads a payload file in chunks and checks that it still has the size the package spec
 * recorded (a file that changed since do_package would make the archive lie about itself).
 */
import { open, readFile } from 'node:fs/promises';
import { TsbakeError } from '../../core/errors.js';

const CHUNK = 1024 * 1024;

export class PayloadChangedError extends TsbakeError {
  readonly code = 'E_PAYLOAD_CHANGED';
}

function changed(path: string, want: number, got: number): PayloadChangedError {
  return new PayloadChangedError(`${path}: ${got} bytes, but the package spec says ${want}`, undefined, 'run do_package again');
}

export async function* fileChunks(path: string, size: number): AsyncGenerator<Buffer> {
  if (size <= CHUNK) {
    const data = await readFile(path);
    if (data.length !== size) throw changed(path, size, data.length);
    if (size > 0) yield data;
    return;
  }
  const handle = await open(path, 'r');
  try {
    let done = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(CHUNK);
      const { bytesRead } = await handle.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      done += bytesRead;
      if (done > size) throw changed(path, size, done);
      yield bytesRead === CHUNK ? buf : buf.subarray(0, bytesRead);
    }
    if (done !== size) throw changed(path, size, done);
  } finally {
    await handle.close();
  }
}
