/** Walks a tar stream one entry at a time; the handler consumes each entry's body before the next. */
import type { Readable } from 'node:stream';
import { extract as tarExtract, type ExtractEvents, type Header } from 'tar-stream';

/** tar-stream's entry stream (a streamx Readable). */
export type EntryStream = ExtractEvents['entry'][1];

export function forEachTarEntry(tar: Readable, handle: (header: Header, body: EntryStream) => Promise<void>): Promise<void> {
  const extract = tarExtract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, body, next) => {
      handle(header, body).then(
        () => next(),
        (e: unknown) => {
          body.resume();
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
    tar.on('error', reject);
  });
  tar.pipe(extract);
  return done;
}
