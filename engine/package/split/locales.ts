/**
 * oe-core's package_do_split_locales: each directory under LOCALE_PATHS (default
 * `${datadir}/locale`) becomes a package `${LOCALEBASEPN}-locale-<lang>` in place of
 * `${PN}-locale`, recommending `virtual-locale-<lang>` and providing `<pn>-locale` and
 * `<lang>-translation`. Works on the datastore copy do_package reads from.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DataStore } from '../../metadata/datastore.js';
import type { Lookup } from './spec-build.js';

/** oe-core's legitimize_package_name (without the `<U0123>` decoding). */
export const legitimizePackageName = (s: string): string => s.toLowerCase().replaceAll('_', '-').replaceAll('@', '+').replaceAll(',', '+').replaceAll('/', '-');

export function splitLocales(d: DataStore, lookup: Lookup, pkgd: string): void {
  if (lookup('PACKAGE_NO_LOCALE') === '1') return;
  const packages = (lookup('PACKAGES') ?? '').split(/\s+/).filter((p) => p !== '');
  const pn = lookup('LOCALEBASEPN') ?? lookup('PN') ?? '';
  const paths = (lookup('LOCALE_PATHS') ?? `${lookup('datadir') ?? '/usr/share'}/locale`).split(/\s+/).filter((p) => p !== '' && existsSync(join(pkgd, p)));
  const locales = [...new Set(paths.flatMap((p) => readdirSync(join(pkgd, p), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name)))].sort();
  if (!locales.length) return;
  let at = packages.indexOf(`${pn}-locale`);
  if (at >= 0) packages.splice(at, 1);
  else at = packages.length;
  const summary = lookup('SUMMARY') ?? pn;
  const description = lookup('DESCRIPTION') ?? '';
  const license = lookup(`LICENSE:${pn}-locale`);
  for (const l of locales) {
    const ln = legitimizePackageName(l);
    const pkg = `${pn}-locale-${ln}`;
    packages.splice(at++, 0, pkg);
    d.setVar(`FILES:${pkg}`, paths.map((p) => `${p}/${l}`).join(' '));
    d.setVar(`RRECOMMENDS:${pkg}`, `virtual-locale-${ln}`);
    d.setVar(`RPROVIDES:${pkg}`, `${pn}-locale ${ln}-translation`);
    d.setVar(`SUMMARY:${pkg}`, `${summary} - ${l} translations`);
    d.setVar(`DESCRIPTION:${pkg}`, `${description}  This package contains language translation files for the ${l} locale.`);
    if (license) d.setVar(`LICENSE:${pkg}`, license);
  }
  d.setVar('PACKAGES', packages.join(' '));
}
