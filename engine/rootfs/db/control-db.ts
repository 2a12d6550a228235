/**
 * Shared by the dpkg and opkg databases: both keep a status file of control paragraphs and an
 * info/ directory of per-package files, read from the package's control.tar.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { byteCompare } from '../../core/byte-order.js';
import { controlFields } from '../package-file.js';
import { resolveInRoot } from '../unpack.js';
import type { InstalledPackage } from '../backend.js';

export interface ControlPackage extends InstalledPackage {
  readonly control: ReadonlyMap<string, Buffer>;
}

export const fieldsOf = (p: ControlPackage): Array<[string, string]> => controlFields(p.control.get('control')?.toString('utf8') ?? '');

/** ` /etc/x <md5>` lines for the Conffiles field, from the installed files. */
export function conffileLines(root: string, p: ControlPackage): string[] {
  const names = (p.control.get('conffiles')?.toString('utf8') ?? '').split('\n').filter((l) => l.trim() !== '');
  return names.map((name) => {
    const md5 = createHash('md5').update(readFileSync(resolveInRoot(root, name, true))).digest('hex');
    return ` ${name.trim()} ${md5}`;
  });
}

export const paragraph = (fields: ReadonlyArray<readonly [string, string]>): string => fields.map(([k, v]) => `${k}: ${v}\n`).join('');

/** The status file: one paragraph per package, sorted by name as the tools write it. */
export function statusFile(packages: readonly ControlPackage[], render: (p: ControlPackage) => string): string {
  return [...packages].sort((a, b) => byteCompare(a.opened.spec.name, b.opened.spec.name)).map(render).join('\n');
}
