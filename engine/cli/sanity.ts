/**
 * The host-tool check before a build, like BitBake's sanity.bbclass: every command in
 * HOSTTOOLS must be on PATH; what is missing is reported with the Debian package that
 * provides it (the HOSTTOOLS_PACKAGE[<tool>] flag).
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { TsbakeError } from '../core/errors.js';
import { asText, type DataStore } from '../metadata/datastore.js';

export class HostToolsError extends TsbakeError {
  readonly code = 'E_HOST_TOOLS';
}

function onPath(tool: string, path: string): boolean {
  return path.split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** The system directories image tools live in (mke2fs, useradd), which a user's PATH may lack. */
const SBIN_DIRS = ['/usr/sbin', '/sbin'];

export function checkHostTools(config: DataStore, path: string): void {
  const tools = asText(config.getVar('HOSTTOOLS')).split(/\s+/).filter((t) => t !== '');
  const search = [path, ...SBIN_DIRS].join(delimiter);
  const missing = [...new Set(tools)].filter((t) => !onPath(t, search));
  if (missing.length === 0) return;
  const pkgs = [...new Set(missing.map((t) => asText(config.getVarFlag('HOSTTOOLS_PACKAGE', t)) || t))].sort();
  throw new HostToolsError(
    `The following required tools (as specified by HOSTTOOLS) appear to be unavailable in PATH, please install them in order to proceed:\n  ${missing.join(' ')}`,
    undefined,
    `on Debian or Ubuntu: apt-get install ${pkgs.join(' ')}`,
  );
}
