/**
 * The PR service under load and abuse: concurrent clients, a server killed with SIGKILL,
 * malformed connections, a read-only server, and a server that vanishes under a build.
 */
import test from 'ava';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrClient, parseAddress } from '../../engine/prserv/client.js';
import { openPrService, prAuto } from '../../engine/prserv/pr-auto.js';
import { PrStore } from '../../engine/prserv/store.js';
import { startTsbakePrserv, stop } from '../helpers/prserv.js';

const db = (): string => join(mkdtempSync(join(tmpdir(), 'tsbake-prrel-')), 'prserv.sqlite3');
const rows = (file: string): Array<{ checksum: string; value: string }> => {
  const s = new PrStore(file, { readOnly: true });
  try {
    return s.export({}, true).map((r) => ({ checksum: r.checksum, value: r.value }));
  } finally {
    s.close();
  }
};

test('8 concurrent clients x 1,000 requests get unique, increasing values and every row is stored', async (t) => {
  const file = db();
  const server = await startTsbakePrserv(file);
  try {
    const perClient = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const c = await PrClient.connect(server.address);
        const values: number[] = [];
        for (let j = 0; j < 1000; j++) values.push(Number(await c.getPr('load-1.0', 'core2-64', `c${i}-${j}`)));
        c.close();
        return values;
      }),
    );
    for (const values of perClient) t.true(values.every((v, k) => k === 0 || v > (values[k - 1] ?? -1)), 'monotonic per client');
    const all = perClient.flat().sort((a, b) => a - b);
    t.deepEqual(all, Array.from({ length: 8000 }, (_, k) => k), 'unique values 0..7999');
  } finally {
    await stop(server);
  }
  t.is(rows(file).length, 8000, 'no lost rows');
});

test('kill -9 of the server loses nothing it answered, and a restart continues', async (t) => {
  const file = db();
  const server = await startTsbakePrserv(file);
  const answered = new Map<string, string>();
  const c = await PrClient.connect(server.address);
  const killedAt = 300;
  const run = (async () => {
    for (let j = 0; ; j++) {
      const value = await c.getPr('crash-1', 'all', `k${j}`);
      answered.set(`k${j}`, value);
      if (answered.size === killedAt) server.child.kill('SIGKILL');
    }
  })();
  await t.throwsAsync(run, { message: /PR service at .* (closed the connection|failed)/ });
  c.close();
  server.child.kill('SIGKILL'); // already dead unless the loop failed early
  await server.exited;
  const stored = new Map(rows(file).map((r) => [r.checksum, r.value]));
  t.true(answered.size >= killedAt);
  for (const [checksum, value] of answered) t.is(stored.get(checksum), value, checksum);
  const again = await startTsbakePrserv(file);
  try {
    const c2 = await PrClient.connect(again.address);
    t.is(await c2.getPr('crash-1', 'all', 'after-restart'), String(stored.size));
    t.is(await c2.getPr('crash-1', 'all', 'k0'), String(stored.size + 1), 'an old output now gets a newer value (no history)');
    c2.close();
  } finally {
    await stop(again);
  }
});

/** Sends `bytes` on a fresh connection and resolves once the server has closed it. */
function closedAfter(address: string, bytes: string | Buffer, opts: { hangUp?: boolean } = {}): Promise<string> {
  const { host, port } = parseAddress(address);
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port }, () => {
      socket.write(bytes);
      if (opts.hangUp) socket.destroy();
    });
    let got = '';
    socket.on('data', (b: Buffer) => (got += b.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(got));
    socket.on('timeout', () => reject(new Error('no close')));
  });
}

test('malformed connections are closed and the other clients keep being served', async (t) => {
  const server = await startTsbakePrserv(db());
  try {
    const good = await PrClient.connect(server.address);
    t.is(await good.getPr('ok-1', 'all', 'a'), '0');
    const hello = 'PRSERVICE 1.0\nneeds-headers: false\n\n';
    t.is(await closedAfter(server.address, Buffer.from([0, 0xff, 0xfe, 0x0a, 0x41, 0x0a])), '', 'garbage bytes');
    t.is(await closedAfter(server.address, 'GET / HTTP/1.1\r\n\r\n'), '', 'a wrong greeting');
    t.is(await closedAfter(server.address, 'PRSERVICE 2.0\n\n'), '', 'a wrong protocol version');
    t.is(await closedAfter(server.address, `${hello}${'x'.repeat(2 * 1024 * 1024)}`), '', 'an oversized message');
    t.is(await closedAfter(server.address, `${hello}{"get-pr": {"version": "ok-1"`, { hangUp: true }), '', 'a client that leaves mid-request');
    t.is(await closedAfter(server.address, `${hello}{not json}\n`), '', 'invalid JSON');
    t.is(await closedAfter(server.address, `${hello}{"drop-table": {}}\n`), '', 'an unknown command');
    t.is(await closedAfter(server.address, `${hello}{"get-pr": {"version": 1}}\n`), '', 'a request with wrong field types');
    t.is(await closedAfter(server.address, `${hello}{"ping": {}}\n{"chunk-stream": null}\n${'{"pi'}\n`, { hangUp: true }), '', 'an unfinished chunk stream');
    t.is(await good.getPr('ok-1', 'all', 'b'), '1', 'the first client is still served');
    const later = await PrClient.connect(server.address);
    t.true(await later.ping(), 'new clients are still accepted');
    later.close();
    good.close();
  } finally {
    await stop(server);
  }
  t.regex(server.stderr(), /bad greeting/);
});

test('a read-only server answers but never writes', async (t) => {
  const file = db();
  const w = new PrStore(file);
  w.getValue('ro-1', 'all', 'a', false);
  w.close();
  const sha = (f: string): string => (existsSync(f) ? createHash('sha256').update(readFileSync(f)).digest('hex') : 'absent');
  const before = sha(file);
  const server = await startTsbakePrserv(file, '--read-only');
  try {
    const c = await PrClient.connect(server.address);
    t.true(await c.isReadonly());
    t.is(await c.getPr('ro-1', 'all', 'b'), '1');
    t.is(await c.getPr('ro-1', 'all', 'b'), '1');
    t.is(await c.importOne('ro-1', 'all', 'c', '7'), undefined);
    c.close();
  } finally {
    await stop(server);
  }
  t.deepEqual(rows(file), [{ checksum: 'a', value: '0' }]);
  t.is(sha(file), before, 'the database file is untouched');
  t.true(!existsSync(`${file}-wal`) || readFileSync(`${file}-wal`).length === 0, 'and nothing went to its write-ahead log');
});

test('PRSERV_HOST: localhost:0 runs a private server; a server that vanishes is an error naming PRSERV_HOST', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsbake-prauto-'));
  const priv = await openPrService('localhost:0', dir);
  t.truthy(priv);
  if (!priv) return;
  const key = { version: 'hello-1.0', pkgarch: 'core2-64', checksum: 'out1' };
  t.is(await prAuto(priv, key), '0');
  t.is(await prAuto(priv, key), '0', 'the same output keeps its value');
  t.is(await prAuto(priv, { ...key, checksum: 'out2' }), '1', 'a new output gets the next');
  await priv.stop();
  t.true(existsSync(join(dir, 'prserv.sqlite3')));
  t.is(await openPrService(undefined, dir), undefined);
  t.is(await openPrService('', dir), undefined);
  await t.throwsAsync(openPrService('nohostport', dir), { message: /PRSERV_HOST = "nohostport" is not <hostname>:<port>/ });

  const server = await startTsbakePrserv(db());
  const shared = await openPrService(server.address, dir);
  if (!shared) return t.fail('no service');
  t.is(await prAuto(shared, key), '0');
  server.child.kill('SIGKILL');
  await server.exited;
  const err = await t.throwsAsync(prAuto(shared, key));
  t.regex(err?.message ?? '', new RegExp(`PRSERV_HOST = "${server.address}" is not available`));
  await t.throwsAsync(openPrService(server.address, dir), { message: /PRSERV_HOST = ".*" is not available/ });
});

test('a build whose PRSERV_HOST cannot be reached fails at once, naming PRSERV_HOST; localhost:0 builds', async (t) => {
  const { bake, runLayer } = await import('../run/run-layer.js');
  const server = await startTsbakePrserv(db());
  const dead = server.address;
  await stop(server);
  const layer = (host: string): string => runLayer({ app_1: '' }, { conf: `PERSISTENT_DIR = "\${TOPDIR}/persistent"\nPRSERV_HOST = "${host}"\n` });
  const r = bake(layer(dead), ['app']);
  t.is(r.status, 2);
  t.regex(r.stderr, new RegExp(`PR service PRSERV_HOST = "${dead}" is not available`));
  const privateDir = layer('localhost:0');
  const ok = bake(privateDir, ['app']);
  t.is(ok.status, 0, ok.stderr);
  t.true(existsSync(join(privateDir, 'persistent', 'prserv.sqlite3')), 'the private server kept its database in PERSISTENT_DIR');
});
