#!/usr/bin/env node
/**
 * tsbake's entry point: parses the command line, runs one command, formats errors once and
 * maps outcomes to exit codes (0 ok, 1 unset/build failure, 2 usage or metadata error).
 */
import { parseArgs } from 'node:util';
import { formatError } from '../core/diagnostic.js';
import { UsageError } from '../core/errors.js';
import { showEnvironment, storeForTarget } from './commands/env.js';
import { getvar } from './commands/getvar.js';
import { parseOnly } from './commands/parse.js';
import { showLayers, showRecipes } from './commands/show.js';
import type { MetadataSession } from '../metadata/session.js';
import { resolveBuildDir } from './build-dir.js';
import { openSession } from './session.js';

const USAGE = `usage: tsbake getvar [--recipe FILE | -r TARGET] [--flag F] VAR|VAR[flag]
       tsbake -p | --parse-only         parse every recipe and report
       tsbake -e | --environment [TARGET]
                                        the datastore, each variable with its history
       tsbake show-recipes              recipes, their versions and layers
       tsbake show-layers               BBLAYERS with collection names and priorities`;

type Out = (s: string) => void;

let buildDir: string | undefined;
/** The build directory, made from the templates on first use when there is none. */
function topdir(err: Out): string {
  if (buildDir === undefined) {
    const found = resolveBuildDir(process.cwd(), process.env);
    if (found.created) err(`NOTE: created the build directory ${found.cwd} from tsbake's templates\n`);
    buildDir = found.cwd;
  }
  return buildDir;
}
const session = (tracking = false): MetadataSession => openSession({ cwd: topdir((s) => process.stderr.write(s)), env: process.env, tracking });

function runGetvar(args: string[], out: Out): number {
  const { values, positionals } = parseArgs({
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

function main(argv: string[], out: Out, err: Out): number {
  const [command, ...rest] = argv;
  switch (command) {
    case 'getvar':
      return runGetvar(rest, out);
    case 'show-recipes':
      out(showRecipes(session()));
      return 0;
    case 'show-layers':
      out(showLayers(session()));
      return 0;
    default:
      break;
  }
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      'parse-only': { type: 'boolean', short: 'p' },
      environment: { type: 'boolean', short: 'e' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  if (values.help) {
    out(USAGE + '\n');
    return 0;
  }
  if (values['parse-only']) return parseOnly(session(), out, err);
  if (values.environment) {
    if (positionals.length > 1) throw new UsageError('-e takes at most one target');
    out(showEnvironment(session(true), positionals[0]));
    return 0;
  }
  throw new UsageError(USAGE);
}

try {
  process.exitCode = main(process.argv.slice(2), (s) => process.stdout.write(s), (s) => process.stderr.write(s));
} catch (e) {
  process.stderr.write(formatError(e) + '\n');
  process.exitCode = 2;
}
