/**
 * Feed signing with the host's gpg, as oe-core's PACKAGE_FEED_SIGN does: detached armored
 * signatures (Release.gpg, repomd.xml.asc, Packages.asc) and apt's clearsigned InRelease.
 * Each signature goes to a temp name and is renamed, like the indexes.
 */
import { renameSync, rmSync } from 'node:fs';
import { spawnInGroup } from '../core/proc.js';
import { tempName } from '../core/fs.js';
import { FeedError } from './errors.js';

export interface FeedSigner {
  /** The key's name or id (PACKAGE_FEED_GPG_NAME). */
  readonly keyName: string;
  /** A file holding the key's passphrase (PACKAGE_FEED_GPG_PASSPHRASE_FILE). */
  readonly passphraseFile: string;
  /** GPG home directory (GPG_PATH); the user's default when unset. */
  readonly homedir?: string;
  /** The gpg executable (GPG_BIN), default `gpg`. */
  readonly gpg?: string;
}

function runGpg(signer: FeedSigner, args: readonly string[]): Promise<void> {
  const all = [
    ...(signer.homedir ? ['--homedir', signer.homedir] : []),
    '--batch', '--yes', '--no-tty', '--pinentry-mode', 'loopback', '--passphrase-file', signer.passphraseFile,
    '--local-user', signer.keyName, ...args,
  ];
  return new Promise((resolve, reject) => {
    const child = spawnInGroup(signer.gpg ?? 'gpg', all, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', (e) => reject(new FeedError(`cannot run ${signer.gpg ?? 'gpg'}: ${e.message}`, undefined, 'install gnupg')));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new FeedError(`gpg failed signing with key ${signer.keyName}: ${err.trim()}`))));
  });
}

/** Writes `out`, a signature of `file`: detached and armored, or clearsigned (`clear`). */
export async function signFile(signer: FeedSigner, file: string, out: string, mode: 'detach' | 'clear'): Promise<void> {
  const tmp = tempName(out);
  try {
    await runGpg(signer, ['--armor', '--digest-algo', 'SHA256', mode === 'clear' ? '--clearsign' : '--detach-sign', '--output', tmp, file]);
    renameSync(tmp, out);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
