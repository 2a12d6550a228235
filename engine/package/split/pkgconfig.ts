/**
 * pkg-config dependencies (oe-core's package_do_pkgconfig): a package shipping `foo.pc`
 * provides the module `foo`; the modules in its `Requires:`/`Requires.private:` lines (with
 * the file's `${var}` definitions expanded) become dependencies on the packages that provide
 * them, in this recipe or, through `${PKGDATA_DIR}/pkgconfig/`, in another.
 */
import { basename } from 'node:path';

export interface PkgconfigProvider {
  readonly module: string;
  readonly pkg: string;
}

/** The modules a `.pc` file requires (version constraints dropped). */
export function pcRequires(text: string): string[] {
  const vars = new Map<string, string>();
  const expand = (s: string): string => s.replace(/\$\{([^}]+)\}/g, (m, name: string) => vars.get(name) ?? m);
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const field = /^([^:=\s]+):\s(.*)$/.exec(line);
    if (field) {
      if (field[1] === 'Requires' || field[1] === 'Requires.private') {
        const words = expand(field[2] ?? '').replaceAll(',', ' ').split(/\s+/).filter((w) => w !== '');
        for (let i = 0; i < words.length; i++) {
          const w = words[i] ?? '';
          if (/^[<>=!]+$/.test(w)) i++;
          else out.push(w);
        }
      }
      continue;
    }
    const assign = /^([^=\s]+)=(.*)$/.exec(line);
    if (assign) vars.set(assign[1] ?? '', expand(assign[2] ?? ''));
  }
  return out;
}

export const pcModule = (path: string): string | undefined => (path.endsWith('.pc') ? basename(path, '.pc') : undefined);

export const formatPkgconfigList = (providers: readonly PkgconfigProvider[]): string => providers.map((p) => `${p.module}:${p.pkg}\n`).join('');

export function parsePkgconfigList(text: string): PkgconfigProvider[] {
  return text
    .split('\n')
    .filter((l) => l.includes(':'))
    .map((l) => {
      const [module = '', pkg = ''] = l.trim().split(':');
      return { module, pkg };
    });
}

/** The packages providing what `requires` names, except `pkg` itself; unknown modules go to `note`. */
export function pkgconfigDepends(pkg: string, requires: readonly string[], providers: readonly PkgconfigProvider[], note: (m: string) => void): string[] {
  const out: string[] = [];
  for (const module of requires) {
    const found = providers.filter((p) => p.module === module);
    if (!found.length) note(`NOTE: ${pkg}: couldn't find pkgconfig module '${module}' in any package`);
    for (const p of found) if (p.pkg !== pkg && !out.includes(p.pkg)) out.push(p.pkg);
  }
  return out;
}
