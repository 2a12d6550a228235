/**
 * The opkg database (`/var/lib/opkg`), as opkg writes it: `status` with the fields opkg keeps
 * for an installed package, and `info/<pkg>.control`, `.list` (files, not directories),
 * `.conffiles` and the maintainer scripts.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../../core/fs.js';
import { SCRIPT_NAMES } from '../../package/model/scripts.js';
import { conffileLines, fieldsOf, paragraph, statusFile, type ControlPackage } from './control-db.js';

export const OPKG_DIR = '/var/lib/opkg';

/** The fields opkg writes to its status file, in its order. */
const STATUS_FIELDS = ['Package', 'Version', 'Depends', 'Pre-Depends', 'Recommends', 'Suggests', 'Provides', 'Replaces', 'Conflicts'] as const;

function statusParagraph(root: string, p: ControlPackage, installedTime: number): string {
  const fields = new Map(fieldsOf(p));
  const conffiles = conffileLines(root, p);
  const out: Array<readonly [string, string]> = [];
  for (const k of STATUS_FIELDS) {
    const v = fields.get(k);
    if (v !== undefined) out.push([k, v]);
  }
  out.push(['Status', `install ${p.requested ? 'user' : 'ok'} ${p.state}`]);
  const essential = fields.get('Essential');
  if (essential !== undefined) out.push(['Essential', essential]);
  out.push(['Architecture', fields.get('Architecture') ?? p.opened.arch]);
  if (conffiles.length > 0) out.push(['Conffiles', `\n${conffiles.join('\n')}`]);
  out.push(['Installed-Time', String(installedTime)]);
  if (!p.requested) out.push(['Auto-Installed', 'yes']);
  return paragraph(out);
}

export function writeOpkgDatabase(root: string, packages: readonly ControlPackage[], installedTime: number): void {
  const dir = join(root, OPKG_DIR);
  for (const p of packages) {
    const info = (ext: string): string => join(dir, 'info', `${p.opened.spec.name}.${ext}`);
    writeFileAtomic(info('control'), p.control.get('control') ?? '');
    writeFileAtomic(info('list'), p.entries.filter((e) => e.kind !== 'dir').map((e) => `${e.path}\n`).join(''));
    const conffiles = p.control.get('conffiles');
    if (conffiles) writeFileAtomic(info('conffiles'), conffiles);
    for (const s of SCRIPT_NAMES) {
      const data = p.control.get(s);
      if (data) writeFileAtomic(info(s), data, 0o755);
    }
  }
  writeFileAtomic(join(dir, 'status'), statusFile(packages, (p) => statusParagraph(root, p, installedTime)));
}
