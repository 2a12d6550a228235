import test from 'ava';
import { appendFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool } from '../helpers/host-tools.js';
import { missingFeedTools, validate } from '../helpers/feeds.js';
import { tsbake } from '../helpers/layer.js';

test('packages tsbake builds (deb, rpm, ipk; PKGR from the PR service) index into valid feeds, and a changed output shows up as an upgrade', (t) => {
  const missing = missingFeedTools();
  if (!requireTool(t, missing.length === 0, missing.join(', '))) return;
  const cwd = mkdtempSync(join(tmpdir(), 'tsbake-builtfeeds-'));
  t.is(tsbake(['show-layers'], cwd, {}).status, 0);
  const build = join(cwd, 'build');
  appendFileSync(join(build, 'conf', 'local.conf'), 'PACKAGE_CLASSES = "package_deb package_rpm package_ipk"\nPRSERV_HOST = "localhost:0"\n');
  const first = tsbake(['--no-progress', 'hello'], build, {});
  t.is(first.status, 0, first.stderr);
  const index = tsbake(['package-index'], build, {});
  t.is(index.status, 0, index.stderr);
  const deploy = join(build, 'tmp', 'deploy');
  for (const [mode, dir] of [['deb-feed', 'deb/core2-64'], ['rpm-feed', 'rpm'], ['rpm-feed', 'rpm/core2_64'], ['ipk-feed', 'ipk/core2-64']] as const) {
    const r = validate(mode, join(deploy, dir));
    t.true(r.ok, r.output);
  }
  t.regex(readFileSync(join(deploy, 'deb', 'core2-64', 'Packages'), 'utf8'), /^Package: hello\n(?:.+\n)*Version: 1\.0-r0\.0\n/m);

  appendFileSync(join(build, 'conf', 'local.conf'), 'bindir:pn-hello = "/usr/bin2"\n');
  const second = tsbake(['--no-progress', 'hello'], build, {});
  t.is(second.status, 0, second.stderr);
  t.true(existsSync(join(deploy, 'deb', 'core2-64', 'hello_1.0-r0.1_amd64.deb')), 'new output, next PRAUTO');
  const again = tsbake(['package-index'], build, {});
  t.regex(again.stdout, /^NOTE: deb feed deb\/core2-64: \d+ packages \([1-9]\d* read, [1-9]\d* from cache\)$/m);
  t.regex(readFileSync(join(deploy, 'deb', 'core2-64', 'Packages'), 'utf8'), /^Version: 1\.0-r0\.1$/m);
  t.true(validate('deb-feed', join(deploy, 'deb', 'core2-64')).ok);
});
