/**
 * `tsbake prserv`: run the PR service (`--start`, in the foreground with `--foreground`,
 * else as a daemon that records itself in a pidfile), stop it (`--stop`), and move its
 * database in and out as PRAUTO lines (`export FILE`, `import FILE`), either on a database
 * file (`--db`) or through a running server (`--server H:P`).
 */
import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../../core/errors.js';
import { writeFileAtomic } from '../../core/fs.js';
import { spawnInGroup, untrackGroup } from '../../core/proc.js';
import { PrClient } from '../../prserv/client.js';
import { formatDump, parseDump } from '../../prserv/dump.js';
import { startPrServer } from '../../prserv/server.js';
import { PrStore } from '../../prserv/store.js';

export interface PrservContext {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  readonly signal: AbortSignal;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

const OPTIONS = {
  start: { type: 'boolean' },
  stop: { type: 'boolean' },
  foreground: { type: 'boolean' },
  host: { type: 'string', default: '127.0.0.1' },
  port: { type: 'string', default: '8585' },
  db: { type: 'string', short: 'f', default: 'prserv.sqlite3' },
  log: { type: 'string', short: 'l' },
  'read-only': { type: 'boolean', short: 'r' },
  upstream: { type: 'string', short: 'u' },
  server: { type: 'string' },
  history: { type: 'boolean' },
} as const;

/** Where a daemon on host:port records its pid, as bitbake-prserv does in /tmp. */
export const pidFile = (host: string, port: string | number): string => resolve(tmpdir(), `tsbake-prserv_${host}_${port}.pid`);

async function serve(values: { host: string; port: string; db: string; log?: string; 'read-only'?: boolean; upstream?: string }, ctx: PrservContext): Promise<number> {
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, not ${values.port}`);
  const logFile = values.log;
  const log = logFile ? (line: string) => appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`) : (line: string) => ctx.err(`${line}\n`);
  const store = new PrStore(resolve(ctx.cwd, values.db), { readOnly: values['read-only'] === true });
  const server = await startPrServer(values.host, port, { store, log, ...(values.upstream ? { upstream: values.upstream } : {}) });
  const [, actualPort] = /:(\d+)$/.exec(server.address) ?? [];
  const pid = pidFile(values.host, actualPort ?? port);
  writeFileAtomic(pid, `${process.pid} ${server.address}\n`);
  log(`PR service listening on ${server.address} (database ${resolve(ctx.cwd, values.db)}${store.readOnly ? ', read-only' : ''}${values.upstream ? `, upstream ${values.upstream}` : ''})`);
  ctx.out(`PR service listening on ${server.address}\n`);
  await new Promise<void>((done) => (ctx.signal.aborted ? done() : ctx.signal.addEventListener('abort', () => done(), { once: true })));
  await server.close();
  store.close();
  rmSync(pid, { force: true });
  return 0;
}

/** Starts `tsbake prserv --start --foreground` detached, and returns once it listens. */
function daemonize(args: readonly string[], ctx: PrservContext): Promise<number> {
  const main = process.argv[1] ?? '';
  const logFile = resolve(ctx.cwd, 'prserv.log');
  const extra = args.includes('--log') || args.includes('-l') ? [] : ['--log', logFile];
  return new Promise((done, reject) => {
    const child = spawnInGroup(process.execPath, [main, 'prserv', ...args, '--foreground', ...extra], { cwd: ctx.cwd, env: ctx.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    let errText = '';
    child.stderr?.on('data', (b: Buffer) => (errText += b.toString()));
    child.stdout?.on('data', (b: Buffer) => {
      text += b.toString();
      const m = /PR service listening on (\S+)/.exec(text);
      if (!m) return;
      ctx.out(`${m[0]} (pid ${child.pid ?? '?'})\n`);
      child.stdout?.destroy();
      child.stderr?.destroy();
      child.unref();
      if (child.pid !== undefined) untrackGroup(child.pid);
      done(0);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      ctx.err(errText);
      done(code === 0 ? 1 : (code ?? 1));
    });
  });
}

function stop(host: string, port: string, ctx: PrservContext): number {
  const file = pidFile(host, port);
  if (!existsSync(file)) {
    ctx.err(`pidfile ${file} does not exist. Daemon not running?\n`);
    return 1;
  }
  const pid = Number(readFileSync(file, 'utf8').split(' ')[0]);
  try {
    process.kill(pid, 'SIGTERM');
    ctx.out(`Sent SIGTERM to the PR service (pid ${pid})\n`);
  } catch {
    ctx.err(`PR service pid ${pid} is not running; removing ${file}\n`);
  }
  rmSync(file, { force: true });
  return 0;
}

async function exportTo(file: string, values: { db: string; server?: string; history?: boolean }, ctx: PrservContext): Promise<number> {
  let rows;
  if (values.server) {
    const client = await PrClient.connect(values.server);
    try {
      rows = (await client.export({}, false, values.history !== false)).datainfo;
    } finally {
      client.close();
    }
  } else {
    const store = new PrStore(resolve(ctx.cwd, values.db), { readOnly: true });
    rows = store.export({}, true);
    store.close();
  }
  writeFileAtomic(resolve(ctx.cwd, file), formatDump(rows));
  ctx.out(`exported ${rows.length} PR values to ${file}\n`);
  return 0;
}

async function importFrom(file: string, values: { db: string; server?: string }, ctx: PrservContext): Promise<number> {
  const path = resolve(ctx.cwd, file);
  const rows = parseDump(readFileSync(path, 'utf8'), path);
  let added = 0;
  if (values.server) {
    const client = await PrClient.connect(values.server);
    try {
      for (const r of rows) if ((await client.importOne(r.version, r.pkgarch, r.checksum, r.value)) !== undefined) added++;
    } finally {
      client.close();
    }
  } else {
    const store = new PrStore(resolve(ctx.cwd, values.db));
    added = store.importRows(rows);
    store.close();
  }
  ctx.out(`imported ${rows.length} PR values from ${file} (${added} ${values.server ? 'accepted' : 'new'})\n`);
  return 0;
}

export async function prservCommand(args: string[], ctx: PrservContext): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: true });
  const [action, file, ...more] = positionals;
  if (action === 'export' || action === 'import') {
    if (!file || more.length > 0) throw new UsageError(`prserv ${action} needs one FILE`);
    return action === 'export' ? exportTo(file, values, ctx) : importFrom(file, values, ctx);
  }
  if (action !== undefined) throw new UsageError(`unknown prserv action ${action}; try --start, --stop, export FILE or import FILE`);
  if (values.start && values.stop) throw new UsageError('--start and --stop exclude each other');
  if (values.stop) return stop(values.host, values.port, ctx);
  if (!values.start) throw new UsageError('prserv needs --start, --stop, export FILE or import FILE');
  if (values.foreground) return serve(values, ctx);
  return daemonize(args, ctx);
}

