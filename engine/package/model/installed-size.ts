/**
 * Installed-Size as dpkg-gencontrol estimates it, in KiB: each regular file and symlink
 * rounded up to whole KiB (a symlink counts the length of its target), 1 KiB for every other
 * object, hard links once.
 */
import type { PackageFile } from './spec.js';

export function installedSizeKiB(files: readonly PackageFile[]): number {
  let kib = 0;
  for (const f of files) {
    if (f.kind === 'hardlink') continue;
    if (f.kind === 'file') kib += Math.ceil(f.size / 1024);
    else if (f.kind === 'symlink') kib += Math.ceil(Buffer.byteLength(f.target ?? '') / 1024);
    else kib += 1;
  }
  return kib;
}
