#!/usr/bin/env node
/**
 * tsbake's entry point: parses the command line, runs one command, formats errors once and
 * maps outcomes to exit codes (0 ok, 1 unset/build failure, 2 usage or metadata error).
 */
import { parseArgs } from 'node:util';
import { formatError } from '../core/diagnostic.js';
import { UsageError } from '../core/errors.js';
import { getvar } from './commands/getvar.js';
import { openSession } from './session.js';

const USAGE = `usage: tsbake getvar [--recipe FILE] [--flag F] VAR|VAR[flag]`;

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  switch (command) {
    case 'getvar': {
      const { values, positionals } = parseArgs({
        args: rest,
        options: { recipe: { type: 'string' }, flag: { type: 'string', short: 'f' } },
        allowPositionals: true,
      });
      const variable = positionals[0];
      if (!variable || positionals.length > 1) throw new UsageError(`getvar needs exactly one variable name\n${USAGE}`);
      const session = openSession({ cwd: process.cwd(), env: process.env });
      const out = getvar(session, { variable, flag: values.flag, recipe: values.recipe });
      if (out === undefined) return 1;
      process.stdout.write(out + '\n');
      return 0;
    }
    default:
      throw new UsageError(USAGE);
  }
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(formatError(e) + '\n');
  process.exitCode = 2;
}
