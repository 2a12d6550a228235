import test from 'ava';
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tsbake } from '../helpers/layer.js';

const release = (build: string): string => {
  const spec = tsbake(['getvar', '-r', 'hello', 'PKGDEST'], build, {}).stdout.trim();
  return (JSON.parse(readFileSync(join(spec, '..', 'packages-split', 'hello.spec.json'), 'utf8')) as { version: { release: string } }).version.release;
};

test('with PRSERV_HOST, do_package packages with PKGR = ${PR}.${PRAUTO}: same output, same value; new output, next value', (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'tsbake-pkgr-'));
  t.is(tsbake(['show-layers'], cwd, {}).status, 0);
  const build = join(cwd, 'build');
  appendFileSync(join(build, 'conf', 'local.conf'), 'PRSERV_HOST = "localhost:0"\n');
  const first = tsbake(['--no-progress', '-c', 'package', 'hello'], build, {});
  t.is(first.status, 0, first.stderr);
  t.is(release(build), 'r0.0');
  const again = tsbake(['--no-progress', '-f', '-c', 'package', 'hello'], build, {});
  t.is(again.status, 0, again.stderr);
  t.is(release(build), 'r0.0', 'a rebuild with the same output keeps its value');
  appendFileSync(join(build, 'conf', 'local.conf'), 'bindir = "/usr/bin2"\n');
  const changed = tsbake(['--no-progress', '-c', 'package', 'hello'], build, {});
  t.is(changed.status, 0, changed.stderr);
  t.is(release(build), 'r0.1', 'new output, next value: the package upgrades');
});
