/** `tsbake package-index`: the configuration's feed settings, indexed by engine/feed/feed-settings.ts. */
import { asText } from '../../metadata/datastore.js';
import type { MetadataSession } from '../../metadata/session.js';
import { indexFeeds } from '../../feed/feed-settings.js';

export async function packageIndexCommand(session: MetadataSession): Promise<string> {
  const lines = await indexFeeds((name) => asText(session.config.store.getVar(name)) || undefined);
  return lines.map((l) => `${l}\n`).join('');
}
