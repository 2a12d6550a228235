/**
 * PR service test helpers: tsbake's server as a child process (`tsbake prserv --start
 * --foreground`), BitBake's own server and client code (lib/prserv of $TSBAKE_BITBAKE or
 * ../bitbake), and waiting on a child's output instead of on time.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../engine/core/package-root.js';

const MAIN = join(PACKAGE_ROOT, 'dist', 'engine', 'cli', 'main.js');
export const PY_ENV = { ...process.env, LANG: 'en_US.UTF-8', LC_ALL: 'en_US.UTF-8' };

/** lib/ of the BitBake checkout, or undefined when there is none. */
export function bitbakeLib(): string | undefined {
  const given = process.env['TSBAKE_BITBAKE'];
  for (const c of given ? [given] : [join(PACKAGE_ROOT, '..', 'bitbake')]) {
    const root = existsSync(c) && statSync(c).isFile() ? join(c, '..', '..') : c;
    if (existsSync(join(root, 'lib', 'prserv', 'serv.py'))) return join(root, 'lib');
  }
  return undefined;
}

export interface Served {
  readonly child: ChildProcess;
  readonly address: string;
  /** Resolves with the exit code once the process has ended. */
  readonly exited: Promise<number | null>;
  stderr(): string;
}

/** Starts `cmd args` and resolves once its stdout says `listening on ADDR`. */
export function startListening(cmd: string, args: readonly string[]): Promise<Served> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: PY_ENV });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m?.[1]) resolve({ child, address: m[1], exited, stderr: () => err });
    });
    void exited.then((code) => reject(new Error(`${cmd} exited (${code}) before listening: ${err}`)));
  });
}

export const startTsbakePrserv = (db: string, ...extra: string[]): Promise<Served> =>
  startListening(process.execPath, [MAIN, 'prserv', '--start', '--foreground', '--port', '0', '--db', db, ...extra]);

/** BitBake's own PRServer on a free port (lib/prserv/serv.py, not reimplemented). */
export function startBitbakePrserv(lib: string, db: string, opts: { upstream?: string; readOnly?: boolean } = {}): Promise<Served> {
  const script = `
import sys, logging
sys.path.insert(0, ${JSON.stringify(lib)})
import prserv.serv
s = prserv.serv.PRServer(${JSON.stringify(db)}, read_only=${opts.readOnly ? 'True' : 'False'}, upstream=${opts.upstream ? JSON.stringify(opts.upstream) : 'None'})
s.start_tcp_server("127.0.0.1", 0)
# serve_forever() split open, to learn the port before serving
s._create_loop()
tasks = s.start()
print("listening on %s" % s.address, flush=True)
s._serve_forever(tasks)
s.loop.close()
`;
  return startListening('python3', ['-c', script]);
}

/** Runs python3 with BitBake's lib on the path; returns stdout (throws on failure). */
export function runPython(lib: string, script: string, args: readonly string[] = []): string {
  const r = spawnSync('python3', ['-c', `import sys\nsys.path.insert(0, ${JSON.stringify(lib)})\n${script}`, ...args], { encoding: 'utf8', env: PY_ENV });
  if (r.status !== 0) throw new Error(`python3 failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

export async function stop(s: Served): Promise<void> {
  if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGTERM');
  await s.exited;
}
