/**
 * tsbake's PR service against BitBake 2.19's own code, both ways: BitBake's client runs the
 * same requests against bitbake-prserv and tsbake prserv (answers must be equal), tsbake's
 * client does the same, and upstream chains mix the two servers.
 */
import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrClient } from '../../engine/prserv/client.js';
import { requireTool } from '../helpers/host-tools.js';
import { bitbakeLib, runPython, startBitbakePrserv, startTsbakePrserv, stop, type Served } from '../helpers/prserv.js';

const lib = bitbakeLib();
const db = (): string => join(mkdtempSync(join(tmpdir(), 'tsbake-printerop-')), 'prserv.sqlite3');
type Kind = 'bitbake' | 'tsbake';
const start = (kind: Kind, file: string, upstream?: string): Promise<Served> =>
  kind === 'bitbake' ? startBitbakePrserv(lib ?? '', file, upstream ? { upstream } : {}) : startTsbakePrserv(file, ...(upstream ? ['--upstream', upstream] : []));

/** Every request of the protocol through BitBake's PRClient; prints the answers as JSON. */
const CLIENT_SCENARIO = `
import json, prserv
c = prserv.create_client(sys.argv[1])
out = [c.ping()]
for ck in ["a", "b", "a", "c", "b"]:
    out.append(c.getPR("hello-1.0", "core2-64", ck))
out.append(c.getPR("hello-1.0", "core2-64", "a", True))
out += [c.test_pr("hello-1.0", "core2-64", "c"), c.test_pr("hello-1.0", "core2-64", "zz")]
out += [c.test_package("hello-1.0", "core2-64"), c.test_package("nope-1", "core2-64")]
out += [c.max_package_pr("hello-1.0", "core2-64"), c.max_package_pr("nope-1", "all")]
out.append(c.importone("lib-2", "all", "q", "5"))
out.append(c.getPR("lib-2", "all", "r"))
key = lambda r: (r["version"], r["pkgarch"], r["checksum"], r["value"])
meta, data = c.export(None, None, None, True)
out += [meta, sorted(data, key=key)]
meta, data = c.export("hello-1.0", None, None, False, True)
out += [meta, sorted(data, key=key)]
out.append(c.is_readonly())
out.append(c.getPR("v" * 40000, "all", "chunked"))
out.append(c.getPR("v" * 40000, "all", "chunked"))
c.close()
print(json.dumps(out))
`;

test('BitBake 2.19 PRClient gets the same answers from tsbake prserv as from bitbake-prserv', async (t) => {
  if (!requireTool(t, lib !== undefined, 'a BitBake 2.19 checkout at ../bitbake or $TSBAKE_BITBAKE')) return;
  const answers: string[] = [];
  for (const kind of ['bitbake', 'tsbake'] as const) {
    const s = await start(kind, db());
    try {
      answers.push(runPython(lib ?? '', CLIENT_SCENARIO, [s.address]));
    } finally {
      await stop(s);
    }
  }
  t.is(answers[1], answers[0]);
  t.regex(answers[0] ?? '', /^\[\{"alive": true\}, "0", "1", "2", "3", "4", "0"/);
});

async function tsbakeClientScenario(address: string): Promise<unknown[]> {
  const c = await PrClient.connect(address);
  try {
    const out: unknown[] = [await c.ping()];
    for (const ck of ['a', 'b', 'b', 'a']) out.push(await c.getPr('app-3', 'cortexa57', ck));
    out.push(await c.testPr('app-3', 'cortexa57', 'b'), await c.testPackage('app-3', 'cortexa57'), await c.maxPackagePr('app-3', 'cortexa57'));
    out.push(await c.importOne('app-3', 'cortexa57', 'imported', '9'), await c.getPr('app-3', 'cortexa57', 'new'));
    const exported = await c.export({ version: 'app-3' }, true, false);
    out.push(exported.metainfo, exported.datainfo, await c.isReadonly());
    return out;
  } finally {
    c.close();
  }
}

test('tsbake PrClient gets the same answers from bitbake-prserv as from tsbake prserv', async (t) => {
  if (!requireTool(t, lib !== undefined, 'a BitBake 2.19 checkout at ../bitbake or $TSBAKE_BITBAKE')) return;
  const answers: unknown[][] = [];
  for (const kind of ['bitbake', 'tsbake'] as const) {
    const s = await start(kind, db());
    try {
      answers.push(await tsbakeClientScenario(s.address));
    } finally {
      await stop(s);
    }
  }
  t.deepEqual(answers[1], answers[0]);
  t.deepEqual((answers[0] ?? []).slice(0, 8), [true, '0', '1', '1', '2', '1', true, '2']);
});

/** Upstream rules: a local server under an upstream one hands out x.y values. */
const UPSTREAM_SCENARIO = `
import json, prserv
up, local = prserv.create_client(sys.argv[1]), prserv.create_client(sys.argv[2])
out = [up.getPR("hello-1.0", "core2-64", "a"), up.getPR("hello-1.0", "core2-64", "b")]
for ck in ["c", "d", "a", "c"]:
    out.append(local.getPR("hello-1.0", "core2-64", ck))
out.append(local.getPR("solo-1", "all", "x"))
out.append(up.getPR("hello-1.0", "core2-64", "e"))
for ck in ["c", "d", "b", "f"]:
    out.append(local.getPR("hello-1.0", "core2-64", ck))
out.append(local.max_package_pr("hello-1.0", "core2-64"))
up.close(); local.close()
print(json.dumps(out))
`;

test('upstream chains give the same x.y values whichever server is upstream or local', async (t) => {
  if (!requireTool(t, lib !== undefined, 'a BitBake 2.19 checkout at ../bitbake or $TSBAKE_BITBAKE')) return;
  const answers = new Map<string, string>();
  for (const [upKind, localKind] of [['bitbake', 'bitbake'], ['tsbake', 'tsbake'], ['bitbake', 'tsbake'], ['tsbake', 'bitbake']] as const) {
    const up = await start(upKind, db());
    const local = await start(localKind, db(), up.address);
    try {
      answers.set(`${upKind} upstream, ${localKind} local`, runPython(lib ?? '', UPSTREAM_SCENARIO, [up.address, local.address]));
    } finally {
      await stop(local);
      await stop(up);
    }
  }
  const reference = answers.get('bitbake upstream, bitbake local');
  for (const [combo, got] of answers) t.is(got, reference ?? '', combo);
  t.regex(reference ?? '', /"1\.0", "1\.1", "0"/);
});
