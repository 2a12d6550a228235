import test from 'ava';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChecksumError, FetchError, NetworkAccessError } from '../../engine/fetch/errors.js';
import { readDoneStamp } from '../../engine/fetch/checksums.js';
import { hasCommand, requireTool } from '../helpers/host-tools.js';
import { fetchLayer, fetchRecipe, sha256 } from './fetch-layer.js';
import { selfSignedCertificate, startHttp, startHttps, type Route } from './servers.js';

const DATA = Buffer.from('the release tarball\n'.repeat(1000));
const file = (data: Buffer = DATA): Route => ({ kind: 'file', data });

/** A recipe fetching `url` with DATA's sha256 (unless `sum` says otherwise). */
const recipe = (url: string, sum: string | null = sha256(DATA)): string => `SRC_URI = "${url}"\n${sum === null ? '' : `SRC_URI[sha256sum] = "${sum}"\n`}`;

const downloads = (dir: string): string[] => (existsSync(join(dir, 'downloads')) ? readdirSync(join(dir, 'downloads')).sort() : []);

test('a download lands in DL_DIR under its name with a .done stamp holding its checksums (BitBake format)', async (t) => {
  const server = await startHttp(new Map([['/rel/app-1.0.tar.gz', file()]]));
  t.teardown(() => server.close());
  const dir = fetchLayer({ app_1: recipe(`${server.url}/rel/app-1.0.tar.gz`) });
  await fetchRecipe(dir, 'app_1');
  t.deepEqual(downloads(dir), ['app-1.0.tar.gz', 'app-1.0.tar.gz.done']);
  t.deepEqual(readFileSync(join(dir, 'downloads/app-1.0.tar.gz')), DATA);
  t.is(readDoneStamp(join(dir, 'downloads/app-1.0.tar.gz.done'), join(dir, 'downloads/app-1.0.tar.gz')).sha256, sha256(DATA));
  // Current stamp and file: no second request.
  await fetchRecipe(dir, 'app_1');
  t.is(server.hits.get('/rel/app-1.0.tar.gz'), 1);
});

test('downloadfilename= names the file in DL_DIR', async (t) => {
  const server = await startHttp(new Map([['/get', file()]]));
  t.teardown(() => server.close());
  const dir = fetchLayer({ app_1: recipe(`${server.url}/get;downloadfilename=app-1.0.tgz`) });
  await fetchRecipe(dir, 'app_1');
  t.deepEqual(downloads(dir), ['app-1.0.tgz', 'app-1.0.tgz.done']);
});

test('a wrong checksum fails showing the expected and the actual value, and leaves no file', async (t) => {
  const server = await startHttp(new Map([['/app-1.0.tar.gz', file(Buffer.from('corrupt'))]]));
  t.teardown(() => server.close());
  const dir = fetchLayer({ app_1: recipe(`${server.url}/app-1.0.tar.gz`) });
  const e = await t.throwsAsync(fetchRecipe(dir, 'app_1'), { instanceOf: ChecksumError });
  t.true(e?.message.includes(`'${sha256('corrupt')}' when '${sha256(DATA)}' was expected`), e?.message);
  t.deepEqual(downloads(dir), []);
});

test('a missing checksum with BB_STRICT_CHECKSUM = "1" is an error that prints the line to add', async (t) => {
  const server = await startHttp(new Map([['/app-1.0.tar.gz', file()]]));
  t.teardown(() => server.close());
  const dir = fetchLayer({ app_1: recipe(`${server.url}/app-1.0.tar.gz`, null) }, {}, 'BB_STRICT_CHECKSUM = "1"\n');
  const e = await t.throwsAsync(fetchRecipe(dir, 'app_1'), { instanceOf: ChecksumError });
  t.true(e?.message.includes(`SRC_URI[sha256sum] = "${sha256(DATA)}"`), e?.message);
  t.deepEqual(downloads(dir), []);
});

test('name= entries use SRC_URI[<name>.sha256sum]; md5sum alone is enough', async (t) => {
  const server = await startHttp(new Map([['/a.tar.gz', file()]]));
  t.teardown(() => server.close());
  const md5 = (await import('node:crypto')).createHash('md5').update(DATA).digest('hex');
  const dir = fetchLayer({ app_1: `SRC_URI = "${server.url}/a.tar.gz;name=tarball"\nSRC_URI[tarball.md5sum] = "${md5}"\n` });
  await fetchRecipe(dir, 'app_1');
  t.true(existsSync(join(dir, 'downloads/a.tar.gz.done')));
});

test('a PREMIRROR answering 404 is skipped for the next one; upstream is not contacted', async (t) => {
  const up = await startHttp(new Map([['/app-1.0.tar.gz', file()]]));
  const m1 = await startHttp(new Map([['/m/app-1.0.tar.gz', { kind: 'status', code: 404 }]]));
  const m2 = await startHttp(new Map([['/m/app-1.0.tar.gz', file()]]));
  t.teardown(() => Promise.all([up.close(), m1.close(), m2.close()]).then(() => undefined));
  const dir = fetchLayer({ app_1: recipe(`${up.url}/app-1.0.tar.gz`) }, {}, `PREMIRRORS = "http://.*/.* ${m1.url}/m/ http://.*/.* ${m2.url}/m/"\n`);
  const run = await fetchRecipe(dir, 'app_1');
  t.is(m1.hits.get('/m/app-1.0.tar.gz'), 1);
  t.is(m2.hits.get('/m/app-1.0.tar.gz'), 1);
  t.is(up.hits.size, 0);
  t.true(run.log.some((l) => l.includes('HTTP 404')));
  t.deepEqual(readFileSync(join(dir, 'downloads/app-1.0.tar.gz')), DATA);
});

test('a connection dropped halfway leaves nothing trusted, and MIRRORS are tried next', async (t) => {
  const up = await startHttp(new Map([['/app-1.0.tar.gz', { kind: 'drop', data: DATA }]]));
  const mirror = await startHttp(new Map([['/app-1.0.tar.gz', file()]]));
  t.teardown(() => Promise.all([up.close(), mirror.close()]).then(() => undefined));
  const dir = fetchLayer({ app_1: recipe(`${up.url}/app-1.0.tar.gz`) }, {}, `MIRRORS = "http://.*/.* ${mirror.url}/"\n`);
  const run = await fetchRecipe(dir, 'app_1');
  t.true(run.log.some((l) => /broke off|closed after/.test(l)), run.log.join('\n'));
  t.deepEqual(readFileSync(join(dir, 'downloads/app-1.0.tar.gz')), DATA);
  t.deepEqual(downloads(dir), ['app-1.0.tar.gz', 'app-1.0.tar.gz.done']);
});

test('a dropped connection with no mirror fails and leaves no file in DL_DIR', async (t) => {
  const up = await startHttp(new Map([['/app-1.0.tar.gz', { kind: 'drop', data: DATA }]]));
  t.teardown(() => up.close());
  const dir = fetchLayer({ app_1: recipe(`${up.url}/app-1.0.tar.gz`) });
  await t.throwsAsync(fetchRecipe(dir, 'app_1'), { instanceOf: FetchError, message: /unable to fetch .* from any source/ });
  t.deepEqual(downloads(dir), []);
});

test('an interrupted download (the build is stopped) leaves no file that a later build trusts', async (t) => {
  let release: () => void = () => undefined;
  const held = new Promise<void>((r) => (release = r));
  const up = await startHttp(new Map([['/app-1.0.tar.gz', { kind: 'hold', data: DATA, release: held }]]));
  t.teardown(() => {
    release();
    return up.close();
  });
  const dir = fetchLayer({ app_1: recipe(`${up.url}/app-1.0.tar.gz`) });
  const stop = new AbortController();
  const pending = fetchRecipe(dir, 'app_1', stop.signal);
  // Wait until the server has sent the first half, then stop the build.
  while (!up.hits.get('/app-1.0.tar.gz')) await new Promise((r) => setImmediate(r));
  stop.abort();
  await t.throwsAsync(pending);
  t.deepEqual(downloads(dir).filter((n) => !n.endsWith('.lock')), []);
  up.routes.set('/app-1.0.tar.gz', file());
  await fetchRecipe(dir, 'app_1');
  t.deepEqual(readFileSync(join(dir, 'downloads/app-1.0.tar.gz')), DATA);
});

test('a corrupt file in DL_DIR (stamp present) is set aside and fetched again', async (t) => {
  const up = await startHttp(new Map([['/app-1.0.tar.gz', file()]]));
  t.teardown(() => up.close());
  const dir = fetchLayer({ app_1: recipe(`${up.url}/app-1.0.tar.gz`) });
  mkdirSync(join(dir, 'downloads'));
  writeFileSync(join(dir, 'downloads/app-1.0.tar.gz'), 'bit rot');
  writeFileSync(join(dir, 'downloads/app-1.0.tar.gz.done'), '');
  await fetchRecipe(dir, 'app_1');
  t.deepEqual(readFileSync(join(dir, 'downloads/app-1.0.tar.gz')), DATA);
  t.true(downloads(dir).includes(`app-1.0.tar.gz_bad-checksum_${sha256('bit rot')}`));
});

test('BB_NO_NETWORK: the error names the URL and the DL_DIR file it expected; a file:// mirror is allowed', async (t) => {
  const up = await startHttp(new Map([['/app-1.0.tar.gz', file()]]));
  t.teardown(() => up.close());
  const dir = fetchLayer({ app_1: recipe(`${up.url}/app-1.0.tar.gz`) }, {}, 'BB_NO_NETWORK = "1"\n');
  const e = await t.throwsAsync(fetchRecipe(dir, 'app_1'), { instanceOf: NetworkAccessError });
  t.true(e?.message.includes(`${up.url}/app-1.0.tar.gz`), e?.message);
  t.true(e?.message.includes(join(dir, 'downloads/app-1.0.tar.gz')), e?.message);
  t.is(up.hits.size, 0);
  const mirror = join(dir, 'local-mirror');
  mkdirSync(mirror);
  writeFileSync(join(mirror, 'app-1.0.tar.gz'), DATA);
  writeFileSync(join(dir, 'conf/bitbake.conf'), `${readFileSync(join(dir, 'conf/bitbake.conf'), 'utf8')}PREMIRRORS = "http://.*/.* file://${mirror}/"\n`);
  await fetchRecipe(dir, 'app_1');
  t.deepEqual(readFileSync(join(dir, 'downloads/app-1.0.tar.gz')), DATA);
  t.is(up.hits.size, 0);
});

test('BB_FETCH_PREMIRRORONLY: only PREMIRRORS are tried', async (t) => {
  const up = await startHttp(new Map([['/app-1.0.tar.gz', file()]]));
  const pre = await startHttp(new Map());
  t.teardown(() => Promise.all([up.close(), pre.close()]).then(() => undefined));
  const dir = fetchLayer({ app_1: recipe(`${up.url}/app-1.0.tar.gz`) }, {}, `BB_FETCH_PREMIRRORONLY = "1"\nPREMIRRORS = "http://.*/.* ${pre.url}/p/"\n`);
  const e = await t.throwsAsync(fetchRecipe(dir, 'app_1'), { instanceOf: FetchError });
  t.regex(e?.message ?? '', /BB_FETCH_PREMIRRORONLY/);
  t.is(up.hits.size, 0);
  t.is(pre.hits.get('/p/app-1.0.tar.gz'), 1);
  pre.routes.set('/p/app-1.0.tar.gz', file());
  await fetchRecipe(dir, 'app_1');
  t.is(up.hits.size, 0);
});

test('BB_ALLOWED_NETWORKS: a host not listed is never contacted', async (t) => {
  const up = await startHttp(new Map([['/app-1.0.tar.gz', file()]]));
  t.teardown(() => up.close());
  const dir = fetchLayer({ app_1: recipe(`${up.url}/app-1.0.tar.gz`) }, {}, 'BB_ALLOWED_NETWORKS = "*.example.com"\n');
  const e = await t.throwsAsync(fetchRecipe(dir, 'app_1'), { instanceOf: FetchError });
  t.regex(e?.message ?? '', /not in BB_ALLOWED_NETWORKS/);
  t.is(up.hits.size, 0);
});

test('two fetches of one file at the same time download it once (lock per download)', async (t) => {
  let release: () => void = () => undefined;
  const up = await startHttp(new Map([['/shared-1.0.tar.gz', { kind: 'hold', data: DATA, release: new Promise<void>((r) => (release = r)) }]]));
  t.teardown(() => up.close());
  const dir = fetchLayer({ a_1: recipe(`${up.url}/shared-1.0.tar.gz`), b_1: recipe(`${up.url}/shared-1.0.tar.gz`) });
  const both = Promise.all([fetchRecipe(dir, 'a_1'), fetchRecipe(dir, 'b_1')]);
  while (!up.hits.get('/shared-1.0.tar.gz')) await new Promise((r) => setImmediate(r));
  release();
  await both;
  t.is(up.hits.get('/shared-1.0.tar.gz'), 1);
  t.deepEqual(readFileSync(join(dir, 'downloads/shared-1.0.tar.gz')), DATA);
});

test('HTTPS with a self-signed certificate: refused by default, trusted through SSL_CERT_FILE', async (t) => {
  if (!requireTool(t, hasCommand('openssl'), 'openssl (Debian package openssl)')) return;
  const cert = selfSignedCertificate();
  const server = await startHttps(cert, new Map([['/app-1.0.tar.gz', file()]]));
  t.teardown(() => server.close());
  const dir = fetchLayer({ app_1: recipe(`${server.url}/app-1.0.tar.gz`) });
  await t.throwsAsync(fetchRecipe(dir, 'app_1'), { message: /self-signed|certificate/ });
  writeFileSync(join(dir, 'conf/bitbake.conf'), `${readFileSync(join(dir, 'conf/bitbake.conf'), 'utf8')}SSL_CERT_FILE = "${cert.certFile}"\n`);
  await fetchRecipe(dir, 'app_1');
  t.deepEqual(readFileSync(join(dir, 'downloads/app-1.0.tar.gz')), DATA);
});

test('large downloads report their progress (for the live view) and log it', async (t) => {
  const big = Buffer.alloc(3 << 20, 7);
  const server = await startHttp(new Map([['/big-1.0.tar.gz', file(big)]]));
  t.teardown(() => server.close());
  const dir = fetchLayer({ app_1: recipe(`${server.url}/big-1.0.tar.gz`, sha256(big)) });
  const run = await fetchRecipe(dir, 'app_1');
  t.true(run.log.some((l) => l.includes(`100% of ${big.length} bytes`)), run.log.join('\n'));
  t.is(run.progress[run.progress.length - 1], 100);
  t.deepEqual(run.progress, [...run.progress].sort((a, b) => a - b));
});
