/**
 * tsbake-sstate's command line: oe-core's sstate-cache-management.py options, plus
 * --max-size, --older-than and --verify. Pure: argv in, options or a UsageError out.
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../../engine/core/errors.js';

export const USAGE = `usage: tsbake-sstate [--cache-dir DIR] [-d | --stamps-dir DIR ...] [--remove-orphans]
                     [--max-size SIZE] [--older-than DAYS] [--verify]
                     [-j N] [-n] [-y] [-v] [-D]
  --cache-dir DIR        the sstate cache (default: SSTATE_DIR of the build directory here)
  -d, --remove-duplicated
                         keep only the newest object per recipe, arch and task (by mtime);
                         populate_lic objects are never duplicates
  --stamps-dir DIR       remove objects that no stamp or sigdata file in DIR names;
                         repeat for several build directories (conflicts with -d)
  --remove-orphans       remove .siginfo/.done files without their archive and stale temp files
  --max-size SIZE        remove least recently used objects until the cache fits in SIZE
                         (bytes, or with a K, M, G or T suffix: powers of 1024)
  --older-than DAYS      remove objects not used for more than DAYS days
  --verify               check that every archive decodes (zstd and tar); with a removal
                         option, corrupt archives are removed too
  -j, --jobs N           parallel file-system threads (default: one per CPU, 2 to 8)
  -n, --dry-run          list what would be removed and remove nothing
  -y, --yes              do not ask for confirmation
  -v, --verbose          list the files that are removed
  -D, --debug            debug output (repeat for more)
  -h, --help             this text`;

export interface ManageOptions {
  readonly cacheDir: string | undefined;
  readonly removeDuplicated: boolean;
  readonly stampsDirs: readonly string[];
  readonly removeOrphans: boolean;
  /** Bytes. */
  readonly maxSize: number | undefined;
  readonly olderThanDays: number | undefined;
  readonly verify: boolean;
  readonly jobs: number;
  readonly dryRun: boolean;
  readonly yes: boolean;
  readonly verbose: boolean;
  readonly debug: number;
}

export type ParsedCommand = { readonly help: true } | { readonly help: false; readonly options: ManageOptions };

const MAX_JOBS = 256;
const HINT = 'run tsbake-sstate --help for the options';

const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** "500M", "1.5G", "1024": bytes (powers of 1024). */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(text.trim());
  const unit = SIZE_UNITS[(m?.[2] ?? '').toLowerCase()];
  if (!m || unit === undefined) throw new UsageError(`--max-size: '${text}' is not a size`, undefined, 'give bytes or a number with a K, M, G or T suffix, e.g. 20G');
  return Math.floor(Number(m[1]) * unit);
}

export function parseDays(text: string): number {
  const days = /^\d+(?:\.\d+)?$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isFinite(days)) throw new UsageError(`--older-than: '${text}' is not a number of days`, undefined, 'e.g. --older-than 30');
  return days;
}

export function parseJobs(text: string): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_JOBS) throw new UsageError(`-j: '${text}' is not a number of jobs from 1 to ${MAX_JOBS}`, undefined, HINT);
  return n;
}

/** node:util's messages, shortened to what a user needs. */
function usageFromParseArgs(e: unknown): UsageError {
  const message = e instanceof Error ? e.message : String(e);
  const unknown = /^Unknown option '([^']+)'/.exec(message);
  if (unknown) return new UsageError(`unknown option '${unknown[1]}'`, undefined, HINT);
  const positional = /^Unexpected argument '([^']*)'/.exec(message);
  if (positional) return new UsageError(`unexpected argument '${positional[1]}': tsbake-sstate takes only options`, undefined, HINT);
  return new UsageError(message.charAt(0).toLowerCase() + message.slice(1), undefined, HINT);
}

/** `defaultJobs`: -j when not given (the entry passes one per CPU). */
export function parseOptions(argv: readonly string[], defaultJobs = 8): ParsedCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        'cache-dir': { type: 'string' },
        'remove-duplicated': { type: 'boolean', short: 'd' },
        'stamps-dir': { type: 'string', multiple: true },
        'remove-orphans': { type: 'boolean' },
        'max-size': { type: 'string' },
        'older-than': { type: 'string' },
        verify: { type: 'boolean' },
        jobs: { type: 'string', short: 'j' },
        'dry-run': { type: 'boolean', short: 'n' },
        yes: { type: 'boolean', short: 'y' },
        verbose: { type: 'boolean', short: 'v' },
        debug: { type: 'boolean', short: 'D', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    throw usageFromParseArgs(e);
  }
  const v = parsed.values;
  if (v.help === true) return { help: true };
  const stampsDirs = v['stamps-dir'] ?? [];
  for (const [name, value] of [['--cache-dir', v['cache-dir']], ...stampsDirs.map((d) => ['--stamps-dir', d] as const)] as const) {
    if (value === '') throw new UsageError(`${name} needs a directory, not an empty string`, undefined, HINT);
  }
  const options: ManageOptions = {
    cacheDir: v['cache-dir'],
    removeDuplicated: v['remove-duplicated'] === true,
    stampsDirs,
    removeOrphans: v['remove-orphans'] === true,
    maxSize: v['max-size'] === undefined ? undefined : parseSize(v['max-size']),
    olderThanDays: v['older-than'] === undefined ? undefined : parseDays(v['older-than']),
    verify: v.verify === true,
    jobs: v.jobs === undefined ? defaultJobs : parseJobs(v.jobs),
    dryRun: v['dry-run'] === true,
    yes: v.yes === true,
    verbose: v.verbose === true,
    debug: v.debug?.length ?? 0,
  };
  if (options.removeDuplicated && stampsDirs.length > 0) {
    throw new UsageError(
      '--remove-duplicated and --stamps-dir cannot be combined',
      undefined,
      '--stamps-dir keeps exactly what the stamps name, which may be an older object than the newest one -d keeps; run them separately',
    );
  }
  if (!removes(options) && !options.verify) {
    throw new UsageError('nothing to do: give -d, --stamps-dir, --remove-orphans, --max-size, --older-than or --verify', undefined, HINT);
  }
  return { help: false, options };
}

/** True when an option that removes files was given (--verify alone only reports). */
export function removes(o: ManageOptions): boolean {
  return o.removeDuplicated || o.stampsDirs.length > 0 || o.removeOrphans || o.maxSize !== undefined || o.olderThanDays !== undefined;
}
