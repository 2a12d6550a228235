/**
 * Debian architecture names (oe-core's DPKG_ARCH): dpkg allows no `_`, so TARGET_ARCH is
 * mapped (`x86_64` → `amd64`, `aarch64` → `arm64`, ...), and `all` stays `all`.
 */
export function dpkgArch(targetArch: string, tuneFeatures: readonly string[]): string {
  const has = (f: string): boolean => tuneFeatures.includes(f);
  if (targetArch === 'allarch' || targetArch === 'all') return 'all';
  if (targetArch === 'i586' || targetArch === 'i686') return 'i386';
  if (targetArch === 'x86_64') return has('mx32') ? 'x32' : 'amd64';
  if (targetArch === 'aarch64') return 'arm64';
  if (targetArch === 'powerpc') return has('spe') ? 'powerpcspe' : 'powerpc';
  if (targetArch === 'arm') return has('callconvention-hard') ? 'armhf' : 'armel';
  if (targetArch.startsWith('mips')) {
    const endian = has('bigendian') ? '' : 'el';
    if (has('n64')) return `mips64${endian}`;
    if (has('n32')) return `mipsn32${endian}`;
    return `mips${endian}`;
  }
  return targetArch;
}
