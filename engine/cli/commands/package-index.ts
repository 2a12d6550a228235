/**
 * `tsbake package-index` and the do_package_index task: read the feed settings from the
 * configuration (or the task's recipe) and index every feed under the deploy directories
 * (engine/feed/package-index.ts).
 */
import { relative } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { asText, type DataStore } from '../../metadata/datastore.js';
import type { TaskBuiltin } from '../../run/builtin.js';
import type { MetadataSession } from '../../metadata/session.js';
import { packageIndex, type FeedIndexed } from '../../feed/package-index.js';
import type { FeedSigner } from '../../feed/sign.js';

function setting(store: DataStore, name: string): string | undefined {
  const v = asText(store.getVar(name));
  return v === undefined || v === '' ? undefined : v;
}

/** The signer PACKAGE_FEED_SIGN asks for, or none. */
export function feedSigner(get: (name: string) => string | undefined): FeedSigner | undefined {
  if (get('PACKAGE_FEED_SIGN') !== '1') return undefined;
  const keyName = get('PACKAGE_FEED_GPG_NAME');
  const passphraseFile = get('PACKAGE_FEED_GPG_PASSPHRASE_FILE');
  if (!keyName || !passphraseFile) {
    throw new UsageError('PACKAGE_FEED_SIGN = "1" needs PACKAGE_FEED_GPG_NAME and PACKAGE_FEED_GPG_PASSPHRASE_FILE', undefined, 'name the key and the file that holds its passphrase');
  }
  const homedir = get('GPG_PATH');
  const gpg = get('GPG_BIN');
  return { keyName, passphraseFile, ...(homedir ? { homedir } : {}), ...(gpg ? { gpg } : {}) };
}

export function describeFeeds(feeds: readonly FeedIndexed[], deployDir: string): string {
  return feeds
    .map((f) => {
      const signed = f.signatures.length > 0 ? `, signed (${f.signatures.join(', ')})` : '';
      return `NOTE: ${f.format} feed ${relative(deployDir, f.dir) || '.'}: ${f.packages} packages (${f.read} read, ${f.packages - f.read} from cache)${signed}\n`;
    })
    .join('');
}

/** Indexes the feeds the settings `get` reads name; returns one NOTE line per feed. */
export async function indexFeeds(get: (name: string) => string | undefined): Promise<string> {
  const deployDir = get('DEPLOY_DIR');
  const tmpdir = get('TMPDIR');
  if (!deployDir || !tmpdir) throw new UsageError('DEPLOY_DIR and TMPDIR must be set to index the package feeds');
  const epoch = get('SOURCE_DATE_EPOCH');
  const signer = feedSigner(get);
  const feeds = await packageIndex({
    deployDirs: {
      deb: get('DEPLOY_DIR_DEB') ?? `${deployDir}/deb`,
      rpm: get('DEPLOY_DIR_RPM') ?? `${deployDir}/rpm`,
      ipk: get('DEPLOY_DIR_IPK') ?? `${deployDir}/ipk`,
    },
    cacheDir: `${get('CACHE') ?? `${tmpdir}/cache`}/package-index`,
    date: epoch ? new Date(Number(epoch) * 1000) : new Date(),
    ...(signer ? { signer } : {}),
  });
  return feeds.length === 0 ? `NOTE: no package feeds under ${deployDir}\n` : describeFeeds(feeds, deployDir);
}

export function packageIndexCommand(session: MetadataSession): Promise<string> {
  return indexFeeds((name) => setting(session.config.store, name));
}

/** do_package_index (recipes/recipes-core/meta/package-index.bb): the same, as a task of the build graph. */
export const packageIndexTask: TaskBuiltin = async (ctx) => {
  for (const line of (await indexFeeds((name) => setting(ctx.store, name))).split('\n')) if (line) ctx.log(line);
};
