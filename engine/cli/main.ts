#!/usr/bin/env node
/**
 * tsbake's entry point and composition root: parses the command line, builds what a command
 * needs, formats errors once and maps outcomes to exit codes (0 ok, 1 unset or build
 * failure, 2 usage or metadata error, 130/143 interrupted). It alone installs signal handlers.
 */
import { createWriteStream, openSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { formatError } from '../core/diagnostic.js';
import { InterruptedError, UsageError } from '../core/errors.js';
import { checkOutputFile } from '../core/fs.js';
import { markStartup, timed, timingsLine } from '../core/timings.js';
import { startRevisionCache } from '../fetch/srcrev.js';
import { asText } from '../metadata/datastore.js';
import type { MetadataSession } from '../metadata/session.js';
import type { PrService } from '../prserv/pr-auto.js';
import { resolveBuildDir } from './build-dir.js';
import { showEnvironment, storeForTarget } from './commands/env.js';
import { getvar } from './commands/getvar.js';
import { parseOnly } from './commands/parse.js';
import { showLayers, showRecipes } from './commands/show.js';
import { checkHostTools } from './sanity.js';
import { openSession } from './session.js';

const USAGE = `usage: tsbake [options] TARGET...         build targets (BB_DEFAULT_TASK, usually do_build)
  -c TASK        run TASK for the targets          -C TASK   invalidate TASK, then build
  -f             force the task to run             -k        continue after a failure
  -n             dry run                           -g        write task-depends.dot and pn-buildlist
  --runall TASK  run TASK for every recipe         --runonly TASK  run only TASK (and what it needs)
  -v / -q        more / less output                --no-progress   plain lines even on a terminal
  --log-json F   every build event as a JSON line
       tsbake image IMAGE [options]             build an image recipe (same as tsbake IMAGE)
       tsbake getvar [--recipe FILE | -r TARGET] [--flag F] VAR|VAR[flag]
       tsbake -p | --parse-only                 parse every recipe and report
       tsbake -e | --environment [TARGET]       the datastore, each variable with its history
       tsbake show-recipes | show-layers
       tsbake buildstats [--svg FILE] [BUILD-ID]
       tsbake pkgdata find-path PATH | list-pkg-files PKG | lookup-recipe PKG | list-pkgs [-r RECIPE]
       tsbake why RECIPE:do_task             what changed since the task last ran
       tsbake dumpsig RECIPE:do_task         what goes into the task's signature
       tsbake diffsigs A.siginfo B.siginfo   compare two signature records
       tsbake package-index                  index the DEB, RPM and IPK feeds in DEPLOY_DIR
       tsbake feed serve [--port N] [--bind ADDR]   serve DEPLOY_DIR over HTTP
       tsbake prserv --start|--stop [--host H] [--port P] [--db FILE] [--read-only] [--upstream H:P]
       tsbake prserv export|import FILE      PR service database as PRAUTO lines`;

const USAGE_LINE = 'usage: tsbake [options] TARGET... | getvar | -p | -e | show-recipes | show-layers | buildstats | why | dumpsig | diffsigs (tsbake -h for help)';

/** node:util's parseArgs, with its errors (unknown option, missing value) as one usage line. */
function parseOptions<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (e) {
    const code = e instanceof Error && 'code' in e ? e.code : undefined;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) throw new UsageError(e instanceof Error ? e.message : String(e), undefined, USAGE_LINE);
    throw e;
  }
}

const exitCodeFor = (sig: NodeJS.Signals): number => (sig === 'SIGTERM' ? 143 : 130);
/** Outside a build, Ctrl-C or SIGTERM ends tsbake (the python3 worker is stopped by the interrupt watch). */
const quit = (sig: NodeJS.Signals): void => process.exit(exitCodeFor(sig));

type Out = (s: string) => void;
const out: Out = (s) => process.stdout.write(s);
const err: Out = (s) => process.stderr.write(s);

let buildDir: string | undefined;
/** The build directory, made from the templates on first use when there is none. */
function topdir(): string {
  if (buildDir === undefined) {
    const found = resolveBuildDir(process.cwd(), process.env);
    if (found.created) err(`NOTE: created the build directory ${found.cwd} from tsbake's templates\n`);
    buildDir = found.cwd;
  }
  return buildDir;
}
const session = (tracking = false): MetadataSession =>
  timed('config', () => {
    const s = openSession({ cwd: topdir(), env: process.env, tracking });
    startRevisionCache(s.config.store);
    return s;
  });

function runGetvar(args: string[]): number {
  const { values, positionals } = parseOptions({
    args,
    options: { recipe: { type: 'string', short: 'r' }, flag: { type: 'string', short: 'f' } },
    allowPositionals: true,
  });
  const variable = positionals[0];
  if (!variable || positionals.length > 1) throw new UsageError(`getvar needs exactly one variable name\n${USAGE}`);
  const store = storeForTarget(session(), values.recipe);
  const value = getvar({ variable, flag: values.flag, recipe: values.recipe }, store);
  if (value === undefined) return 1;
  out(value + '\n');
  return 0;
}

/** BUILDSTATS_BASE, else ${TMPDIR}/buildstats, else none (nowhere to record). */
function buildstatsBase(s: MetadataSession): string | undefined {
  const base = asText(s.config.store.getVar('BUILDSTATS_BASE'));
  if (base) return base;
  const tmpdir = asText(s.config.store.getVar('TMPDIR'));
  return tmpdir ? `${tmpdir}/buildstats` : undefined;
}

async function runBuildstats(args: string[]): Promise<number> {
  const { buildstatsCommand } = await import('./commands/buildstats.js');
  const { values, positionals } = parseOptions({ args, options: { svg: { type: 'string' } }, allowPositionals: true });
  if (values.svg !== undefined) checkOutputFile(values.svg, '--svg');
  const base = buildstatsBase(session());
  if (!base) throw new UsageError('no BUILDSTATS_BASE or TMPDIR in this build directory', undefined, 'set BUILDSTATS_BASE');
  return buildstatsCommand({ base, ...(positionals[0] ? { buildId: positionals[0] } : {}), ...(values.svg ? { svg: values.svg } : {}) }, out);
}

/**
 * Ctrl-C or SIGTERM: stop starting tasks and SIGTERM every running task's process group,
 * SIGKILL after a grace period; a second Ctrl-C kills at once.
 */
function installInterruptHandling(controller: AbortController, killAllGroups: (sig: NodeJS.Signals) => void): () => void {
  let grace: NodeJS.Timeout | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      killAllGroups('SIGKILL');
      return;
    }
    controller.abort(sig);
    killAllGroups('SIGTERM');
    // TSBAKE_KILL_GRACE_MS: tests lengthen it to tell "killed by the second Ctrl-C" from "killed when the grace ran out".
    grace = setTimeout(() => killAllGroups('SIGKILL'), Number(process.env['TSBAKE_KILL_GRACE_MS']) || 2000);
    grace.unref();
  };
  // The plain exit-at-once handler steps aside while tasks need an orderly stop.
  process.off('SIGINT', quit);
  process.off('SIGTERM', quit);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    if (grace) clearTimeout(grace);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.on('SIGINT', quit);
    process.on('SIGTERM', quit);
  };
}

/** Runs a long-lived command (a server) until SIGINT or SIGTERM aborts its signal: it stops cleanly, exit 0. */
async function untilInterrupted(run: (signal: AbortSignal) => Promise<number>): Promise<number> {
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.off('SIGINT', quit);
  process.off('SIGTERM', quit);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await run(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.on('SIGINT', quit);
    process.on('SIGTERM', quit);
  }
}

async function openPrServiceFor(s: MetadataSession): Promise<PrService | undefined> {
  const get = (name: string): string | undefined => asText(s.config.store.getVar(name)) || undefined;
  const host = get('PRSERV_HOST');
  // Without PRSERV_HOST, the PR service's modules (sockets, sqlite) need not load at all.
  if (host === undefined || host.trim() === '') return undefined;
  const { openPrService } = await import('../prserv/pr-auto.js');
  return openPrService(host, get('PERSISTENT_DIR') ?? get('CACHE') ?? topdir());
}

async function runBuild(argv: string[]): Promise<number> {
  // The runner's modules (graph, executor, shared state, zstd) load only for a build: a parse or getvar starts faster.
  const [{ build }, { combine, createReporter, fanOut }, { createBuildstats }, { killAllGroups }, { loadRecipes }] = await Promise.all([
    import('../run/pipeline.js'),
    import('../core/log/reporter.js'),
    import('../run/buildstats.js'),
    import('../core/proc.js'),
    import('./recipes.js'),
  ]);
  const { values, positionals } = parseOptions({
    args: argv,
    options: {
      cmd: { type: 'string', short: 'c' },
      'clear-stamp': { type: 'string', short: 'C' },
      force: { type: 'boolean', short: 'f' },
      continue: { type: 'boolean', short: 'k' },
      'dry-run': { type: 'boolean', short: 'n' },
      graphviz: { type: 'boolean', short: 'g' },
      runall: { type: 'string' },
      runonly: { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
      quiet: { type: 'boolean', short: 'q' },
      'no-progress': { type: 'boolean' },
      'log-json': { type: 'string' },
    },
    allowPositionals: true,
  });
  const logJson = values['log-json'];
  // Opened before the build starts: a bad path is a usage error, not a failure after the work.
  if (logJson !== undefined) checkOutputFile(logJson, '--log-json');
  const s = session();
  if (values['dry-run'] !== true && values.graphviz !== true) checkHostTools(s.config.store, process.env['PATH'] ?? '');
  const reporter = createReporter({
    tty: process.stdout.isTTY === true && values['no-progress'] !== true,
    quiet: values.quiet === true,
    verbose: values.verbose === true,
    ...(logJson !== undefined ? { json: createWriteStream('', { fd: openSync(logJson, 'w') }) } : {}),
    out,
    err,
    columns: () => process.stdout.columns ?? 80,
    rows: () => process.stdout.rows ?? 24,
  });
  const statsBase = values['graphviz'] || values['dry-run'] ? undefined : buildstatsBase(s);
  const stats = statsBase ? createBuildstats({ base: statsBase, startTime: Date.now() }) : undefined;
  const all = combine(stats ? [reporter, { sink: stats.sink, close: () => undefined }] : [reporter]);
  // PRSERV_HOST: a private PR server for this build (localhost:0), a shared one checked now, or none.
  const prService = values['dry-run'] || values['graphviz'] ? undefined : await openPrServiceFor(s);
  const controller = new AbortController();
  const uninstall = installInterruptHandling(controller, killAllGroups);
  try {
    return await build(
      s,
      { loadRecipes: (warn) => loadRecipes(s, warn), builtins: async () => (await import('./builtins.js')).taskBuiltins(prService ? { prService } : {}) },
      {
        targets: positionals,
        task: values.cmd,
        invalidate: values['clear-stamp'],
        force: values.force === true,
        keepGoing: values.continue === true,
        dryRun: values['dry-run'] === true,
        runall: values.runall,
        runonly: values.runonly,
        graphviz: values.graphviz === true,
      },
      { emit: fanOut([all.sink]), note: (m) => all.sink({ kind: 'note', message: m }), signal: controller.signal, env: process.env },
    );
  } finally {
    await prService?.stop();
    uninstall();
    all.close();
    if (stats) {
      stats.close(Date.now());
      for (const p of stats.problems) err(`WARNING: buildstats: ${p}\n`);
    }
  }
}

async function main(argv: string[]): Promise<number> {
  markStartup();
  const [command, ...rest] = argv;
  switch (command) {
    case 'getvar':
      return runGetvar(rest);
    case 'show-recipes':
      out(showRecipes(session()));
      return 0;
    case 'show-layers':
      out(showLayers(session()));
      return 0;
    case 'buildstats':
      return runBuildstats(rest);
    case 'image':
      // `tsbake image NAME` builds the image recipe NAME, exactly as `tsbake NAME` does.
      if (rest.length === 0) throw new UsageError(`image needs an image recipe name\n${USAGE}`);
      return runBuild(rest);
    case 'pkgdata': {
      const { pkgdataCommand } = await import('./commands/pkgdata.js');
      return pkgdataCommand(asText(session().config.store.getVar('PKGDATA_DIR')), rest, out, err);
    }
    case 'why':
    case 'dumpsig': {
      if (rest.length !== 1 || !rest[0]) throw new UsageError(`${command} needs one RECIPE:do_task`);
      const { dumpsig, why } = await import('./commands/signatures.js');
      out(command === 'why' ? why(session(true), rest[0]) : dumpsig(session(), rest[0]));
      return 0;
    }
    case 'diffsigs': {
      if (rest.length !== 2 || !rest[0] || !rest[1]) throw new UsageError('diffsigs needs two siginfo files');
      const { diffsigs } = await import('./commands/signatures.js');
      out(diffsigs(rest[0], rest[1]));
      return 0;
    }
    case 'package-index': {
      const { packageIndexCommand } = await import('./commands/package-index.js');
      out(await packageIndexCommand(session()));
      return 0;
    }
    case 'feed': {
      if (rest[0] !== 'serve') throw new UsageError(`unknown feed command ${rest[0] ?? '(none)'}; try: tsbake feed serve`);
      const { feedServeCommand } = await import('./commands/feed-serve.js');
      return untilInterrupted((signal) => feedServeCommand(session(), rest.slice(1), out, signal));
    }
    case 'prserv': {
      const { prservCommand } = await import('./commands/prserv.js');
      return untilInterrupted((signal) => prservCommand(rest, { out, err, signal, cwd: process.cwd(), env: process.env }));
    }
    default:
      break;
  }
  const { values, positionals } = parseOptions({
    args: argv,
    options: { 'parse-only': { type: 'boolean', short: 'p' }, environment: { type: 'boolean', short: 'e' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: false,
  });
  if (values['help'] === true) {
    out(USAGE + '\n');
    return 0;
  }
  if (values['parse-only'] === true) return parseOnly(session(), out, err);
  if (values['environment'] === true) {
    if (positionals.length > 1) throw new UsageError('-e takes at most one target');
    const env = showEnvironment(session(true), positionals[0]);
    out(env.text);
    if (env.error === undefined) return 0;
    err(`error: ${env.error}\n`);
    return 1;
  }
  return runBuild(argv);
}

process.on('SIGINT', quit);
process.on('SIGTERM', quit);
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(formatError(e) + '\n');
  process.exitCode = e instanceof InterruptedError ? exitCodeFor(e.signal) : 2;
}
const timings = timingsLine();
if (timings) process.stderr.write(timings + '\n');
