import test from 'ava';
import { appendFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrClient } from '../../engine/prserv/client.js';
import { requireTool } from '../helpers/host-tools.js';
import { deployFromReference, missingFeedTools, validate } from '../helpers/feeds.js';
import { confLayer, tsbake } from '../helpers/layer.js';

test('tsbake package-index indexes DEPLOY_DIR as the configuration names it, and again from its cache', (t) => {
  const missing = missingFeedTools();
  if (!requireTool(t, missing.length === 0, missing.join(', '))) return;
  const deploy = deployFromReference();
  const dir = confLayer(`TMPDIR = "\${TOPDIR}/tmp"\nDEPLOY_DIR = "${deploy}"\nDEPLOY_DIR_DEB = "\${DEPLOY_DIR}/deb"\nSOURCE_DATE_EPOCH = "1700000000"\n`);
  const first = tsbake(['package-index'], dir);
  t.is(first.status, 0, first.stderr);
  t.regex(first.stdout, /^NOTE: deb feed deb\/core2-64: 3 packages \(3 read, 0 from cache\)$/m);
  t.regex(first.stdout, /^NOTE: rpm feed rpm: 5 packages/m);
  t.regex(first.stdout, /^NOTE: ipk feed ipk\/all: 1 packages/m);
  t.regex(readFileSync(join(deploy, 'deb', 'all', 'Release'), 'utf8'), /^Label: all\nDate: Tue, 14 Nov 2023 22:13:20 \+0000\n/);
  t.true(validate('deb-feed', join(deploy, 'deb', 'all')).ok);
  const second = tsbake(['package-index'], dir);
  t.regex(second.stdout, /^NOTE: deb feed deb\/core2-64: 3 packages \(0 read, 3 from cache\)$/m);
  t.true(existsSync(join(dir, 'cache', 'package-index', 'deb-core2-64.json')), 'the read cache lives in ${CACHE}, not in the feed');
});

test('tsbake package-index with signing asked for but no key is a usage error (exit 2)', (t) => {
  const dir = confLayer(`TMPDIR = "\${TOPDIR}/tmp"\nDEPLOY_DIR = "\${TMPDIR}/deploy"\nPACKAGE_FEED_SIGN = "1"\n`);
  const r = tsbake(['package-index'], dir);
  t.is(r.status, 2);
  t.regex(r.stderr, /error: PACKAGE_FEED_SIGN = "1" needs PACKAGE_FEED_GPG_NAME/);
});

test('tsbake prserv: --start runs a daemon, export/import move its values, --stop ends it', async (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'tsbake-prcli-'));
  const start = tsbake(['prserv', '--start', '--port', '0', '--db', 'pr.sqlite3'], cwd, {});
  t.is(start.status, 0, start.stderr);
  const m = /PR service listening on (127\.0\.0\.1:(\d+)) \(pid (\d+)\)/.exec(start.stdout);
  if (!m?.[1] || !m[2]) return t.fail(start.stdout);
  const c = await PrClient.connect(m[1]);
  t.is(await c.getPr('hello-1.0', 'core2-64', 'x'), '0');
  t.is(await c.getPr('hello-1.0', 'core2-64', 'y'), '1');
  c.close();
  const exported = tsbake(['prserv', 'export', 'dump.conf', '--server', m[1]], cwd, {});
  t.is(exported.status, 0, exported.stderr);
  t.regex(readFileSync(join(cwd, 'dump.conf'), 'utf8'), /^PRAUTO\$hello-1\.0\$core2-64\$y = "1"$/m);
  const imported = tsbake(['prserv', 'import', 'dump.conf', '--db', 'copy.sqlite3'], cwd, {});
  t.is(imported.status, 0, imported.stderr);
  t.regex(imported.stdout, /imported 2 PR values from dump\.conf \(2 new\)/);
  t.regex(tsbake(['prserv', 'export', 'copy.conf', '--db', 'copy.sqlite3'], cwd, {}).stdout, /exported 2 PR values/);
  t.is(readFileSync(join(cwd, 'copy.conf'), 'utf8'), readFileSync(join(cwd, 'dump.conf'), 'utf8'));
  const stop = tsbake(['prserv', '--stop', '--port', m[2]], cwd, {});
  t.is(stop.status, 0, stop.stderr);
  await t.throwsAsync(async () => {
    // the daemon may take a moment to close its socket; a refused or closed connection both mean it is gone
    for (;;) (await PrClient.connect(m[1] ?? '')).close();
  });
  t.is(tsbake(['prserv', '--stop', '--port', m[2]], cwd, {}).status, 1, 'no pidfile any more');
});

test('do_package_index indexes the feeds as a task of the build graph (recipe package-index)', (t) => {
  const missing = missingFeedTools();
  if (!requireTool(t, missing.length === 0, missing.join(', '))) return;
  const deploy = deployFromReference();
  const cwd = mkdtempSync(join(tmpdir(), 'tsbake-pidx-'));
  t.is(tsbake(['show-layers'], cwd, {}).status, 0, 'the build directory is made from the templates');
  appendFileSync(join(cwd, 'build', 'conf', 'local.conf'), `DEPLOY_DIR = "${deploy}"\n`);
  const r = tsbake(['--no-progress', '-c', 'package_index', 'package-index'], join(cwd, 'build'), {});
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /package-index\.bb:do_package_index/);
  t.true(validate('deb-feed', join(deploy, 'deb', 'core2-64')).ok);
  t.true(validate('ipk-feed', join(deploy, 'ipk', 'core2-64')).ok);
});
