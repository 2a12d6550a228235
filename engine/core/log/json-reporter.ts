/**
 * `--log-json FILE`: every event as one JSON object on its own line (JSON Lines), so tools
 * can follow a build with `tail -f | jq` and never parse console text.
 */
import type { Writable } from 'node:stream';
import type { Reporter } from './reporter.js';

export function createJsonReporter(stream: Writable): Reporter {
  let open = true;
  return {
    sink: (e) => {
      // Events are plain readonly data built by the engine, so their key order is fixed and
      // the line is the same for the same event.
      if (open) stream.write(JSON.stringify(e) + '\n');
    },
    close: () => {
      if (!open) return;
      open = false;
      stream.end();
    },
  };
}
