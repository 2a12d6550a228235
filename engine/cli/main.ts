#!/usr/bin/env node
/**
 * tsbake's entry point: parses the command line, runs one command, formats errors once and
 * maps outcomes to exit codes (0 ok, 1 unset/build failure, 2 usage or metadata error).
 */
import { parseArgs } from 'node:util';
import { formatError } from '../core/diagnostic.js';
import { UsageError } from '../core/errors.js';
import { getvar } from './commands/getvar.js';
import { parseOnly } from './commands/parse.js';
import { openSession } from './session.js';

const USAGE = `usage: tsbake getvar [--recipe FILE | -r PN] [--flag F] VAR|VAR[flag]
       tsbake -p                 parse every recipe and report
       tsbake -e [TARGET]        show the datastore with each variable's history`;

type Out = (s: string) => void;

function runGetvar(args: string[], out: Out): number {
  const { values, positionals } = parseArgs({
    args,
    options: { recipe: { type: 'string' }, flag: { type: 'string', short: 'f' } },
    allowPositionals: true,
  });
  const variable = positionals[0];
  if (!variable || positionals.length > 1) throw new UsageError(`getvar needs exactly one variable name\n${USAGE}`);
  const session = openSession({ cwd: process.cwd(), env: process.env });
  const value = getvar(session, { variable, flag: values.flag, recipe: values.recipe });
  if (value === undefined) return 1;
  out(value + '\n');
  return 0;
}

function main(argv: string[], out: Out, err: Out): number {
  const [command, ...rest] = argv;
  if (command === 'getvar') return runGetvar(rest, out);
  const { values } = parseArgs({
    args: argv,
    options: { 'parse-only': { type: 'boolean', short: 'p' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help) {
    out(USAGE + '\n');
    return 0;
  }
  if (values['parse-only']) return parseOnly(openSession({ cwd: process.cwd(), env: process.env }), out, err);
  throw new UsageError(USAGE);
}

try {
  process.exitCode = main(process.argv.slice(2), (s) => process.stdout.write(s), (s) => process.stderr.write(s));
} catch (e) {
  process.stderr.write(formatError(e) + '\n');
  process.exitCode = 2;
}
