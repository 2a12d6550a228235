import test from 'ava';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { tsbake } from '../helpers/layer.js';

const release = (build: string): string => {
  const spec = tsbake(['getvar', '-r', 'hello', 'PKGDEST'], build, {}).stdout.trim();
  return (JSON.parse(readFileSync(join(spec, '..', 'packages-split', 'hello.spec.json'), 'utf8')) as { version: { release: string } }).version.release;
};

/** The log of hello's last do_package (it notes the PRAUTO key). */
const prautoLog = (build: string): string => readFileSync(join(tsbake(['getvar', '-r', 'hello', 'T'], build, {}).stdout.trim(), 'log.do_package'), 'utf8');

test('with PRSERV_HOST, do_package packages with PKGR = ${PR}.${PRAUTO}, keyed on its task hash: a new signature (forced, or a changed recipe) gets the next value', (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'tsbake-pkgr-'));
  t.is(tsbake(['show-layers'], cwd, {}).status, 0);
  const build = join(cwd, 'build');
  appendFileSync(join(build, 'conf', 'local.conf'), 'PRSERV_HOST = "localhost:0"\n');
  const first = tsbake(['--no-progress', '-c', 'package', 'hello'], build, {});
  t.is(first.status, 0, first.stderr);
  t.is(release(build), 'r0.0');
  // The key is do_package's task hash: the one its stamp carries.
  const key = /^NOTE: PRAUTO 0 for hello-1\.0 core2-64 \(do_package ([0-9a-f]+)\)$/m.exec(prautoLog(build))?.[1] ?? 'none';
  const stamp = tsbake(['getvar', '-r', 'hello', 'STAMP'], build, {}).stdout.trim();
  t.true(readdirSync(dirname(stamp)).includes(`${basename(stamp)}.do_package.${key}`), key);
  const forced = tsbake(['--no-progress', '-f', '-c', 'package', 'hello'], build, {});
  t.is(forced.status, 0, forced.stderr);
  t.is(release(build), 'r0.1', '-f taints do_package (as BitBake does): a new task hash, the next value');
  appendFileSync(join(build, 'conf', 'local.conf'), 'bindir = "/usr/bin2"\n');
  const changed = tsbake(['--no-progress', '-c', 'package', 'hello'], build, {});
  t.is(changed.status, 0, changed.stderr);
  t.is(release(build), 'r0.2', 'a changed recipe: a new task hash, the next value, so the package upgrades');
});
