/**
 * `tsbake package-index`: every feed under the deploy directories, indexed the way oe-core
 * lays them out. deb and ipk: one feed per arch directory; rpm: one repository over all of
 * `deploy/rpm` and one per arch directory. Optionally signed (PACKAGE_FEED_SIGN).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/fs.js';
import { byteCompare } from './feed-files.js';
import { indexDeb, type IndexResult } from './index-deb.js';
import { indexIpk } from './index-ipk.js';
import { indexRpm } from './index-rpm.js';
import { signFile, type FeedSigner } from './sign.js';

export type FeedFormat = 'deb' | 'rpm' | 'ipk';

export interface PackageIndexRequest {
  /** DEPLOY_DIR_DEB, _RPM, _IPK: a format whose directory is missing is skipped. */
  readonly deployDirs: Readonly<Partial<Record<FeedFormat, string>>>;
  /** Where the per-feed read caches live (outside the feeds, so nothing extra is served). */
  readonly cacheDir: string;
  readonly date: Date;
  readonly signer?: FeedSigner;
}

export interface FeedIndexed extends IndexResult {
  readonly format: FeedFormat;
  readonly signatures: readonly string[];
}

function archDirs(top: string): string[] {
  return readdirSync(top, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== 'repodata')
    .map((e) => e.name)
    .sort(byteCompare);
}

function cacheFile(cacheDir: string, format: FeedFormat, sub: string): string {
  return join(cacheDir, `${format}-${sub === '' ? '_root' : sub.replaceAll('/', '_')}.json`);
}

async function sign(format: FeedFormat, r: IndexResult, signer: FeedSigner | undefined): Promise<string[]> {
  if (!signer) return [];
  const made: Array<[string, string, 'detach' | 'clear']> =
    format === 'deb' ? [['Release', 'Release.gpg', 'detach'], ['Release', 'InRelease', 'clear']]
    : format === 'rpm' ? [['repodata/repomd.xml', 'repodata/repomd.xml.asc', 'detach']]
    : [['Packages', 'Packages.asc', 'detach']];
  for (const [file, out, mode] of made) await signFile(signer, join(r.dir, file), join(r.dir, out), mode);
  return made.map(([, out]) => out);
}

export async function packageIndex(req: PackageIndexRequest): Promise<FeedIndexed[]> {
  const done: FeedIndexed[] = [];
  const record = async (format: FeedFormat, r: IndexResult): Promise<void> => {
    done.push({ ...r, format, signatures: await sign(format, r, req.signer) });
  };
  const deb = req.deployDirs.deb;
  if (deb && existsSync(deb)) {
    for (const arch of archDirs(deb)) await record('deb', await indexDeb(join(deb, arch), { cacheFile: cacheFile(req.cacheDir, 'deb', arch), date: req.date }));
  }
  const rpm = req.deployDirs.rpm;
  if (rpm && existsSync(rpm)) {
    for (const sub of ['', ...archDirs(rpm)]) {
      await record('rpm', await indexRpm(join(rpm, sub), { cacheFile: cacheFile(req.cacheDir, 'rpm', sub), date: req.date }));
    }
  }
  const ipk = req.deployDirs.ipk;
  if (ipk && existsSync(ipk)) {
    // opkg expects a (possibly empty) Packages at the top of the ipk deploy directory.
    if (!existsSync(join(ipk, 'Packages'))) writeFileAtomic(join(ipk, 'Packages'), '');
    for (const arch of archDirs(ipk)) await record('ipk', await indexIpk(join(ipk, arch), { cacheFile: cacheFile(req.cacheDir, 'ipk', arch) }));
  }
  return done;
}
