/**
 * PR service throughput: 8 clients, each sending get-pr requests for new outputs over its own
 * connection, against `tsbake prserv` and BitBake's own PR server (lib/prserv of the BitBake
 * checkout) in the same run. The same client code (tsbake's) drives both. Prints requests per
 * second and the ratio (higher is better for tsbake).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../engine/core/package-root.js';
import { PrClient } from '../engine/prserv/client.js';
import { median, type Bench, type BenchContext } from './harness.js';
import { BITBAKE_ENV, TSBAKE_ENV } from './tools.js';

const CLIENTS = 8;
const REQUESTS = 1000;
const MAIN = join(PACKAGE_ROOT, 'dist', 'engine', 'cli', 'main.js');

function bitbakeLib(): string | undefined {
  const given = process.env['TSBAKE_BITBAKE'];
  const root = given ? (existsSync(join(given, 'lib')) ? given : join(given, '..', '..')) : join(PACKAGE_ROOT, '..', 'bitbake');
  return existsSync(join(root, 'lib', 'prserv', 'serv.py')) ? join(root, 'lib') : undefined;
}

function listen(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; address: string }> {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${cmd} exited ${code} before listening`)));
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m?.[1]) resolve({ child, address: m[1] });
    });
  });
}

const bitbakeServer = (lib: string, db: string): Promise<{ child: ChildProcess; address: string }> =>
  listen('python3', ['-c', `import sys\nsys.path.insert(0, ${JSON.stringify(lib)})\nimport prserv.serv\ns = prserv.serv.PRServer(${JSON.stringify(db)})\ns.start_tcp_server("127.0.0.1", 0)\ns._create_loop()\ntasks = s.start()\nprint("listening on %s" % s.address, flush=True)\ns._serve_forever(tasks)\n`], BITBAKE_ENV);

const tsbakeServer = (db: string): Promise<{ child: ChildProcess; address: string }> =>
  listen(process.execPath, [MAIN, 'prserv', '--start', '--foreground', '--port', '0', '--db', db], TSBAKE_ENV);

/** Seconds for CLIENTS x REQUESTS get-pr requests of new outputs. */
async function load(address: string): Promise<number> {
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, i) => {
      const c = await PrClient.connect(address);
      for (let j = 0; j < REQUESTS; j++) await c.getPr(`bench-${i % 2}`, 'core2-64', `c${i}-${j}`);
      c.close();
    }),
  );
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function rate(ctx: BenchContext, start: (db: string) => Promise<{ child: ChildProcess; address: string }>): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < ctx.runs; r++) {
    const dir = mkdtempSync(join(tmpdir(), 'tsbake-bench-pr-'));
    const server = await start(join(dir, 'prserv.sqlite3'));
    try {
      times.push(await load(server.address));
    } finally {
      server.child.kill('SIGTERM');
      await new Promise((resolve) => (server.child.exitCode !== null ? resolve(undefined) : server.child.once('exit', resolve)));
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return (CLIENTS * REQUESTS) / median(times);
}

export const prservBench: Bench = {
  name: 'prserv',
  description: 'PR service get-pr requests per second, 8 clients, against BitBake\'s PR server',
  async run(ctx) {
    const ours = await rate(ctx, tsbakeServer);
    const lib = ctx.skipBitbake ? undefined : bitbakeLib();
    const theirs = lib ? await rate(ctx, (db) => bitbakeServer(lib, db)) : Number.NaN;
    ctx.out(`prserv ${CLIENTS} clients x ${REQUESTS} get-pr  tsbake ${ours.toFixed(0)} req/s  bitbake-prserv ${lib ? `${theirs.toFixed(0)} req/s` : 'n/a'}  ratio ${lib ? (ours / theirs).toFixed(2) : 'n/a'} (tsbake/bitbake, higher is better)`);
  },
};
