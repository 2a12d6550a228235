/**
 * The feed settings of a configuration (DEPLOY_DIR_<FMT>, CACHE, SOURCE_DATE_EPOCH,
 * PACKAGE_FEED_SIGN and its key) turned into a package-index run. The settings come in as a
 * lookup, so the command and the do_package_index task share this and only map their
 * datastore to it.
 */
import { relative } from 'node:path';
import { UsageError } from '../core/errors.js';
import { packageIndex, type FeedIndexed } from './package-index.js';
import type { FeedSigner } from './sign.js';

/** A setting's expanded value; unset and empty are both undefined. */
export type FeedSettings = (name: string) => string | undefined;

/** The signer PACKAGE_FEED_SIGN asks for, or none. */
export function feedSigner(get: FeedSettings): FeedSigner | undefined {
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

/** One NOTE line per feed. */
export function describeFeeds(feeds: readonly FeedIndexed[], deployDir: string): string[] {
  return feeds.map((f) => {
    const signed = f.signatures.length > 0 ? `, signed (${f.signatures.join(', ')})` : '';
    return `NOTE: ${f.format} feed ${relative(deployDir, f.dir) || '.'}: ${f.packages} packages (${f.read} read, ${f.packages - f.read} from cache)${signed}`;
  });
}

/** Indexes every feed the settings name; returns one NOTE line per feed. */
export async function indexFeeds(get: FeedSettings): Promise<string[]> {
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
  return feeds.length === 0 ? [`NOTE: no package feeds under ${deployDir}`] : describeFeeds(feeds, deployDir);
}
