import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatDump, parseDump } from '../../engine/prserv/dump.js';
import { PrStore, type PrRow } from '../../engine/prserv/store.js';

const sorted = (rows: readonly PrRow[]): PrRow[] => [...rows].sort((x, y) => (`${x.version} ${x.checksum}` < `${y.version} ${y.checksum}` ? -1 : 1));
const fresh = (): string => join(mkdtempSync(join(tmpdir(), 'tsbake-prstore-')), 'prserv.sqlite3');

test('a new checksum gets the next value, a known one keeps its value while it is the newest', (t) => {
  const s = new PrStore(fresh());
  t.is(s.getValue('hello-1.0', 'core2-64', 'a', false), '0');
  t.is(s.getValue('hello-1.0', 'core2-64', 'a', false), '0');
  t.is(s.getValue('hello-1.0', 'core2-64', 'b', false), '1');
  t.is(s.getValue('hello-1.0', 'core2-64', 'b', false), '1');
  t.is(s.getValue('hello-1.0', 'all', 'a', false), '0', 'arches count separately');
  // Going back to an older output never decreases the value without history...
  t.is(s.getValue('hello-1.0', 'core2-64', 'a', false), '2');
  // ...and returns the first value with history.
  t.is(s.getValue('hello-1.0', 'core2-64', 'a', true), '0');
  t.is(s.findPackageMax('hello-1.0', 'core2-64'), '2');
  t.true(s.testPackage('hello-1.0', 'core2-64'));
  t.false(s.testPackage('hello-2.0', 'core2-64'));
  s.close();
});

test('sub-values above an upstream base count up from base.0', (t) => {
  const s = new PrStore(fresh());
  t.is(s.findNewSubvalue('x-1', 'all', '4'), '4.0');
  s.storeValue('x-1', 'all', 'a', '4.0');
  s.storeValue('x-1', 'all', 'b', '4.1');
  t.is(s.findNewSubvalue('x-1', 'all', '4'), '4.2');
  t.is(s.findPackageMax('x-1', 'all'), '4.1');
  s.close();
});

test('a read-only store answers without writing', (t) => {
  const file = fresh();
  const w = new PrStore(file);
  w.getValue('p-1', 'all', 'a', false);
  w.close();
  const r = new PrStore(file, { readOnly: true });
  t.is(r.getValue('p-1', 'all', 'b', false), '1');
  t.is(r.getValue('p-1', 'all', 'b', false), '1', 'not stored, so computed again');
  r.storeValue('p-1', 'all', 'c', '9');
  t.deepEqual(r.export({}, true), [{ version: 'p-1', pkgarch: 'all', checksum: 'a', value: '0' }]);
  r.close();
});

test('export and import round-trip through a PRAUTO dump', (t) => {
  const a = new PrStore(fresh());
  for (const c of ['x', 'y', 'z']) a.getValue('pkg-1.0', 'core2-64', c, false);
  a.getValue('lib-2', 'all', 'q', false);
  const dump = formatDump(a.export({}, true));
  t.regex(dump, /^PRAUTO\$pkg-1\.0\$core2-64\$y = "1"$/m);
  const b = new PrStore(fresh());
  t.is(b.importRows(parseDump(dump, 'dump.conf')), 4);
  t.is(b.importRows(parseDump(dump, 'dump.conf')), 0, 'importing twice adds nothing');
  t.deepEqual(sorted(b.export({}, true)), sorted(a.export({}, true)));
  t.deepEqual(sorted(b.export({}, false)), [
    { version: 'lib-2', pkgarch: 'all', checksum: 'q', value: '0' },
    { version: 'pkg-1.0', pkgarch: 'core2-64', checksum: 'z', value: '2' },
  ]);
  t.throws(() => parseDump('PRAUTO$broken = 1\n', 'bad.conf'), { message: /not a PRAUTO/ });
});

test('PKGR is ${PR}.${PRAUTO} with a PR service and plain PR without one', async (t) => {
  const { openPrService, packageRevision } = await import('../../engine/prserv/pr-auto.js');
  const dir = mkdtempSync(join(tmpdir(), 'tsbake-pkgr-'));
  t.is(await packageRevision(undefined, 'r0', { version: 'hello-1.0', pkgarch: 'core2-64', checksum: 'h1' }), 'r0');
  const service = await openPrService('localhost:0', dir);
  try {
    t.is(await packageRevision(service, 'r0', { version: 'hello-1.0', pkgarch: 'core2-64', checksum: 'h1' }), 'r0.0');
    t.is(await packageRevision(service, 'r0', { version: 'hello-1.0', pkgarch: 'core2-64', checksum: 'h2' }), 'r0.1');
    t.is(await packageRevision(service, 'r0', { version: 'hello-1.0', pkgarch: 'core2-64', checksum: 'h2' }), 'r0.1');
  } finally {
    await service?.stop();
  }
});
