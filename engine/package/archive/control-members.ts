/**
 * The control files of the deb-like formats (deb control.tar, ipk control.tar, TAR's
 * ./CONTROL/): conffiles, control, optional md5sums and the maintainer scripts (mode 0755),
 * in the byte order of their names, all owned by root with mtime SOURCE_DATE_EPOCH.
 */
import { SCRIPT_NAMES, withFinalNewline, type ScriptName } from '../model/scripts.js';
import type { PackageSpec } from '../model/spec.js';
import { memoryMember, type TarMember } from './tar-stream.js';

export interface ControlFiles {
  /** `./` or `./CONTROL/`. */
  readonly dir: string;
  readonly control: string;
  readonly conffiles: readonly string[];
  readonly md5sums?: string;
  /** A format's rewrite of a script (guards); the script as it is by default. */
  readonly script?: (name: ScriptName, text: string) => string;
}

export function controlMembers(spec: PackageSpec, files: ControlFiles): TarMember[] {
  const mtime = spec.sourceDateEpoch;
  const member = (name: string, text: string, mode = 0o644): TarMember => memoryMember(`${files.dir}${name}`, text, mode, mtime);
  const members: TarMember[] = [];
  if (files.conffiles.length > 0) members.push(member('conffiles', files.conffiles.map((c) => `${c}\n`).join('')));
  members.push(member('control', files.control));
  if (files.md5sums) members.push(member('md5sums', files.md5sums));
  for (const name of [...SCRIPT_NAMES].sort()) {
    const script = spec.scripts[name];
    if (script) members.push(member(name, withFinalNewline(files.script ? files.script(name, script) : script), 0o755));
  }
  return members;
}
