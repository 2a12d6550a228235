/**
 * Which directory is TOPDIR: the one holding conf/bblayers.conf (searched along $BBPATH, then
 * from the current directory upwards, as BitBake does), else the current directory when
 * $BBPATH is set; with neither, a new ./build made from tsbake's templates.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../core/package-root.js';
import { findConfigFile } from '../metadata/config.js';

export interface BuildDir {
  readonly cwd: string;
  /** True when this call created the directory from the templates. */
  readonly created: boolean;
}

const TEMPLATES = join(PACKAGE_ROOT, 'conf', 'templates', 'default');

export function resolveBuildDir(cwd: string, env: NodeJS.ProcessEnv): BuildDir {
  if (findConfigFile('bblayers.conf', env['BBPATH'], cwd, existsSync) || env['BBPATH']) return { cwd, created: false };
  const build = join(cwd, 'build');
  const conf = join(build, 'conf');
  if (existsSync(join(conf, 'bblayers.conf'))) return { cwd: build, created: false };
  mkdirSync(conf, { recursive: true });
  for (const name of ['bblayers.conf', 'local.conf']) {
    const text = readFileSync(join(TEMPLATES, `${name}.sample`), 'utf8').replaceAll('@TSBAKE_ROOT@', PACKAGE_ROOT);
    const target = join(conf, name);
    if (existsSync(target)) continue;
    const tmp = `${target}.tmp-${process.pid}`;
    writeFileSync(tmp, text);
    renameSync(tmp, target);
  }
  return { cwd: build, created: true };
}
