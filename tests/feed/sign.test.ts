import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageIndex } from '../../engine/feed/package-index.js';
import type { FeedSigner } from '../../engine/feed/sign.js';
import { hasCommand, requireTool } from '../helpers/host-tools.js';
import { isolatedApt, isolatedDnf } from '../helpers/clients.js';
import { deployFromReference, missingFeedTools } from '../helpers/feeds.js';

const missing = [...missingFeedTools(), ...(hasCommand('gpg') ? [] : ['gpg'])];

/** A throwaway signing key in its own GNUPGHOME; returns the signer and the public key files. */
function throwawayKey(t: ExecutionContext): { signer: FeedSigner; keyring: string; armored: string } {
  const home = mkdtempSync(join(tmpdir(), 'tsbake-gpg-'));
  // gpg starts an agent for the home it is given: it goes with the test
  t.teardown(() => spawnSync('gpgconf', ['--homedir', home, '--kill', 'gpg-agent']));
  const passphraseFile = join(home, 'passphrase');
  writeFileSync(passphraseFile, 'feed secret\n');
  const gpg = (...args: string[]): string => {
    const r = spawnSync('gpg', ['--homedir', home, '--batch', '--pinentry-mode', 'loopback', '--passphrase-file', passphraseFile, ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`gpg ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  gpg('--quick-gen-key', 'tsbake feed test <feeds@example.com>', 'ed25519', 'sign', 'never');
  const keyring = join(home, 'feed-key.gpg');
  const armored = join(home, 'feed-key.asc');
  gpg('--output', keyring, '--export', 'feeds@example.com');
  gpg('--armor', '--output', armored, '--export', 'feeds@example.com');
  return { signer: { keyName: 'feeds@example.com', passphraseFile, homedir: home }, keyring, armored };
}

test('signed feeds: apt and dnf verify the signatures without trusted=yes, and refuse a tampered one', async (t) => {
  if (!requireTool(t, missing.length === 0, `${missing.join(', ')} (Debian: gnupg dpkg-dev rpm createrepo-c apt-utils dnf)`)) return;
  const { signer, keyring, armored } = throwawayKey(t);
  const deploy = deployFromReference();
  const feeds = await packageIndex({ deployDirs: { deb: join(deploy, 'deb'), rpm: join(deploy, 'rpm') }, cacheDir: join(deploy, '..', 'cache'), date: new Date(), signer });
  t.deepEqual([...new Set(feeds.map((f) => f.signatures.join(' ')))], ['Release.gpg InRelease', 'repodata/repomd.xml.asc']);

  const debDir = join(deploy, 'deb', 'core2-64');
  const signed = isolatedApt(`deb [signed-by=${keyring}] file:${debDir} ./\n`);
  const ok = await signed.aptGet('update');
  t.is(ok.status, 0, ok.output);
  t.notRegex(ok.output, /^(W|E):/m, ok.output);
  t.is((await signed.aptGet('download', 'hello=1.1-r0')).status, 0);

  const unknownKey = isolatedApt(`deb file:${debDir} ./\n`);
  const refused = await unknownKey.aptGet('update');
  t.regex(refused.output, /NO_PUBKEY|not signed|is not signed|public key is not available/, refused.output);

  const rpmDir = join(deploy, 'rpm', 'noarch');
  const dnf = isolatedDnf({ feed: rpmDir }, { setopts: ['--setopt=feed.repo_gpgcheck=1', `--setopt=feed.gpgkey=file://${armored}`, '--setopt=feed.gpgcheck=0'] });
  const query = await dnf('repoquery', '--qf', '%{name}-%{version}');
  t.is(query.status, 0, query.output);
  t.regex(query.output, /^data-2\.0$/m);

  appendFileSync(join(rpmDir, 'repodata', 'repomd.xml'), '<!-- tampered -->\n');
  const tampered = await isolatedDnf({ feed: rpmDir }, { setopts: ['--setopt=feed.repo_gpgcheck=1', `--setopt=feed.gpgkey=file://${armored}`, '--setopt=feed.gpgcheck=0'] })('repoquery');
  t.not(tampered.status, 0, 'a repomd.xml that no longer matches its signature is refused');
  t.true(existsSync(join(debDir, 'InRelease')));
});

test('PACKAGE_FEED_SIGN without a key name is a usage error', async (t) => {
  const { feedSigner } = await import('../../engine/feed/feed-settings.js');
  const settings: Record<string, string> = { PACKAGE_FEED_SIGN: '1' };
  t.throws(() => feedSigner((n) => settings[n]), { message: /PACKAGE_FEED_GPG_NAME and PACKAGE_FEED_GPG_PASSPHRASE_FILE/ });
  t.is(feedSigner(() => undefined), undefined);
  Object.assign(settings, { PACKAGE_FEED_GPG_NAME: 'k', PACKAGE_FEED_GPG_PASSPHRASE_FILE: '/p', GPG_PATH: '/g' });
  t.deepEqual(feedSigner((n) => settings[n]), { keyName: 'k', passphraseFile: '/p', homedir: '/g' });
});
