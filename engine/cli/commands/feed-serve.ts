/** `tsbake feed serve`: the deploy directory over HTTP until the signal aborts. */
import { parseArgs } from 'node:util';
import { UsageError } from '../../core/errors.js';
import { asText } from '../../metadata/datastore.js';
import type { MetadataSession } from '../../metadata/session.js';
import { serveFeeds } from '../../feed/serve.js';

export async function feedServeCommand(session: MetadataSession, args: string[], out: (s: string) => void, signal: AbortSignal): Promise<number> {
  const { values } = parseArgs({ args, options: { port: { type: 'string', short: 'p' }, bind: { type: 'string', short: 'b' } } });
  const port = Number(values.port ?? '8000');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, not ${values.port ?? ''}`);
  const root = asText(session.config.store.getVar('DEPLOY_DIR'));
  if (!root) throw new UsageError('DEPLOY_DIR is not set');
  const served = await serveFeeds(root, { port, bind: values.bind ?? '127.0.0.1', log: (line) => out(`${new Date().toISOString()} ${line}\n`) });
  out(`Serving ${root} at ${served.url}\n`);
  await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
  await served.close();
  return 0;
}
