/**
 * The dpkg database (`/var/lib/dpkg`), as dpkg leaves it after installing the packages:
 * `status` with each package's control paragraph and its state, and `info/<pkg>.list`,
 * `.md5sums`, `.conffiles` and the maintainer scripts, so `dpkg --root=<rootfs> -l` and
 * `dpkg --root=<rootfs> -V` work on the image.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../core/fs.js';
import { SCRIPT_NAMES } from '../../package/model/scripts.js';
import { conffileLines, fieldsOf, paragraph, statusFile, type ControlPackage } from './control-db.js';

export const DPKG_DIR = '/var/lib/dpkg';

function statusParagraph(root: string, p: ControlPackage): string {
  const fields = fieldsOf(p);
  const name = fields.find(([k]) => k === 'Package') ?? ['Package', p.opened.spec.name];
  const conffiles = conffileLines(root, p);
  return paragraph([
    name,
    ['Status', `install ok ${p.state}`],
    ...fields.filter(([k]) => k !== 'Package' && k !== 'Description'),
    ...(conffiles.length > 0 ? [['Conffiles', `\n${conffiles.join('\n')}`] as const] : []),
    ...fields.filter(([k]) => k === 'Description'),
  ]);
}

export function writeDpkgDatabase(root: string, packages: readonly ControlPackage[]): void {
  const dir = join(root, DPKG_DIR);
  for (const sub of ['info', 'updates', 'triggers', 'alternatives']) mkdirSync(join(dir, sub), { recursive: true });
  for (const p of packages) {
    const info = (ext: string): string => join(dir, 'info', `${p.opened.spec.name}.${ext}`);
    writeFileAtomic(info('list'), p.entries.map((e) => `${e.path}\n`).join(''));
    for (const member of ['md5sums', 'conffiles'] as const) {
      const data = p.control.get(member);
      if (data) writeFileAtomic(info(member), data);
    }
    for (const s of SCRIPT_NAMES) {
      const data = p.control.get(s);
      if (data) writeFileAtomic(info(s), data, 0o755);
    }
  }
  writeFileAtomic(join(dir, 'status'), statusFile(packages, (p) => statusParagraph(root, p)));
  writeFileAtomic(join(dir, 'available'), '');
}
