/**
 * PR service dumps as oe-core's PR export writes them: a configuration fragment with one
 * `PRAUTO$<version>$<pkgarch>$<checksum> = "<value>"` line per row, which a build or
 * `tsbake prserv import` reads back.
 */
import { PrservError } from './errors.js';
import type { PrRow } from './store.js';

const LINE = /^PRAUTO\$([^$\s]+)\$([^$\s]+)\$([^$\s=]+)\s*=\s*"([^"]*)"\s*$/;

const byKey = (a: PrRow, b: PrRow): number => {
  const ka = `${a.version}\0${a.pkgarch}\0${a.checksum}\0${a.value}`;
  const kb = `${b.version}\0${b.pkgarch}\0${b.checksum}\0${b.value}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};

export function formatDump(rows: readonly PrRow[]): string {
  const lines = [...rows].sort(byKey).map((r) => `PRAUTO$${r.version}$${r.pkgarch}$${r.checksum} = "${r.value}"\n`);
  return `# PR service dump: PRAUTO$<version>$<pkgarch>$<checksum> = "<value>"\nPRSERV_DUMPDB_VERSION = "1"\n${lines.join('')}`;
}

export function parseDump(text: string, file: string): PrRow[] {
  const rows: PrRow[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || !line.startsWith('PRAUTO')) return;
    const m = LINE.exec(line);
    if (!m) throw new PrservError('not a PRAUTO$<version>$<pkgarch>$<checksum> = "<value>" line', { file, line: i + 1 });
    rows.push({ version: m[1] ?? '', pkgarch: m[2] ?? '', checksum: m[3] ?? '', value: m[4] ?? '' });
  });
  return rows;
}
