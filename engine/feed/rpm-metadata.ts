/**
 * One package's entries in rpm-md metadata (primary, filelists, other), rendered from its
 * headers as createrepo_c does: dependency lists without `rpmlib(...)` requires, "primary"
 * files (under /etc/, containing bin/, /usr/lib/sendmail), changelogs oldest first.
 */
import type { RpmHeaders } from './read-rpm.js';
import { tagNumbers, tagString, tagStrings } from './read-rpm.js';

const T = {
  name: 1000, version: 1001, release: 1002, epoch: 1003, summary: 1004, description: 1005, buildtime: 1006,
  buildhost: 1007, size: 1009, vendor: 1011, license: 1014, packager: 1015, group: 1016, url: 1020, arch: 1022,
  oldfilenames: 1027, filemodes: 1030, fileflags: 1037, sourcerpm: 1044, changelogtime: 1080, changelogname: 1081,
  changelogtext: 1082, dirindexes: 1116, basenames: 1117, dirnames: 1118, longsize: 5009,
} as const;
const SIG_PAYLOADSIZE = 1007;
const SIG_LONGARCHIVESIZE = 271;

/** [element, name tag, flags tag, version tag], in createrepo_c's order. */
const DEPENDENCIES: ReadonlyArray<readonly [string, number, number, number]> = [
  ['provides', 1047, 1112, 1113],
  ['requires', 1049, 1048, 1050],
  ['conflicts', 1054, 1053, 1055],
  ['obsoletes', 1090, 1114, 1115],
  ['suggests', 5049, 5051, 5050],
  ['enhances', 5055, 5057, 5056],
  ['recommends', 5046, 5048, 5047],
  ['supplements', 5052, 5054, 5053],
];
const RPMSENSE_PREREQ = 1 << 6;
const RPMSENSE_SCRIPT_PRE = 1 << 9;
const RPMSENSE_SCRIPT_POST = 1 << 10;
const RPMFILE_GHOST = 1 << 6;
const CHANGELOG_LIMIT = 10;

export interface RpmEntries {
  readonly primary: string;
  readonly filelists: string;
  readonly other: string;
}

export interface PackageFacts {
  readonly location: string;
  readonly sha256: string;
  readonly fileSize: number;
  readonly mtime: number;
}

export const xmlEscape = (s: string): string =>
  s.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));

function flagName(flags: number): string | undefined {
  switch (flags & 0xe) {
    case 2: return 'LT';
    case 4: return 'GT';
    case 8: return 'EQ';
    case 10: return 'LE';
    case 12: return 'GE';
    default: return undefined;
  }
}

/** `[E:]V[-R]` as createrepo_c's version attributes (epoch 0 when none). */
function evrAttributes(evr: string): string {
  const colon = evr.indexOf(':');
  const epoch = colon > 0 ? evr.slice(0, colon) : '0';
  const vr = colon > 0 ? evr.slice(colon + 1) : evr;
  const dash = vr.lastIndexOf('-');
  const ver = dash >= 0 ? vr.slice(0, dash) : vr;
  const rel = dash >= 0 ? vr.slice(dash + 1) : undefined;
  return ` epoch="${xmlEscape(epoch)}" ver="${xmlEscape(ver)}"${rel !== undefined ? ` rel="${xmlEscape(rel)}"` : ''}`;
}

/** `name flags version` of each provide: a require equal to one of them is dropped, as createrepo_c does. */
function provideKeys(h: RpmHeaders): Set<string> {
  const flags = tagNumbers(h.main, 1112);
  const versions = tagStrings(h.main, 1113);
  return new Set(tagStrings(h.main, 1047).map((n, i) => `${n} ${(flags[i] ?? 0) & 0xe} ${versions[i] ?? ''}`));
}

function dependencyXml(h: RpmHeaders): string {
  const provided = provideKeys(h);
  let out = '';
  for (const [element, nameTag, flagsTag, versionTag] of DEPENDENCIES) {
    const names = tagStrings(h.main, nameTag);
    const flags = tagNumbers(h.main, flagsTag);
    const versions = tagStrings(h.main, versionTag);
    const seen = new Set<string>();
    let entries = '';
    names.forEach((name, i) => {
      const f = flags[i] ?? 0;
      const version = versions[i] ?? '';
      if (element === 'requires' && (name.startsWith('rpmlib(') || provided.has(`${name} ${f & 0xe} ${version}`))) return;
      const op = flagName(f);
      const pre = element === 'requires' && (f & (RPMSENSE_PREREQ | RPMSENSE_SCRIPT_PRE | RPMSENSE_SCRIPT_POST)) !== 0;
      const entry = `<rpm:entry name="${xmlEscape(name)}"${op && version ? ` flags="${op}"${evrAttributes(version)}` : ''}${pre ? ' pre="1"' : ''}/>`;
      if (seen.has(entry)) return;
      seen.add(entry);
      entries += `      ${entry}\n`;
    });
    if (entries !== '') out += `    <rpm:${element}>\n${entries}    </rpm:${element}>\n`;
  }
  return out;
}

interface FileEntry {
  readonly path: string;
  readonly type: 'file' | 'dir' | 'ghost';
}

function fileEntries(h: RpmHeaders): FileEntry[] {
  const modes = tagNumbers(h.main, T.filemodes);
  const flags = tagNumbers(h.main, T.fileflags);
  const dirs = tagStrings(h.main, T.dirnames);
  const indexes = tagNumbers(h.main, T.dirindexes);
  const basenames = tagStrings(h.main, T.basenames);
  const paths = basenames.length > 0 ? basenames.map((b, i) => `${dirs[indexes[i] ?? 0] ?? ''}${b}`) : tagStrings(h.main, T.oldfilenames);
  return paths.map((path, i) => ({
    path,
    type: ((flags[i] ?? 0) & RPMFILE_GHOST) !== 0 ? 'ghost' : ((modes[i] ?? 0) & 0o170000) === 0o040000 ? 'dir' : 'file',
  }));
}

const isPrimaryFile = (path: string): boolean => path.startsWith('/etc/') || path.includes('bin/') || path === '/usr/lib/sendmail';
const fileXml = (f: FileEntry, indent: string): string =>
  `${indent}<file${f.type === 'file' ? '' : ` type="${f.type}"`}>${xmlEscape(f.path)}</file>\n`;

function changelogXml(h: RpmHeaders): string {
  const times = tagNumbers(h.main, T.changelogtime);
  const names = tagStrings(h.main, T.changelogname);
  const texts = tagStrings(h.main, T.changelogtext);
  const entries = times.slice(0, CHANGELOG_LIMIT).map((time, i) => ({ time, author: names[i] ?? '', text: texts[i] ?? '' }));
  return entries
    .reverse()
    .map((c) => `  <changelog author="${xmlEscape(c.author)}" date="${c.time}">${xmlEscape(c.text)}</changelog>\n`)
    .join('');
}

export function rpmEntries(h: RpmHeaders, facts: PackageFacts): RpmEntries {
  const s = (tag: number): string => xmlEscape(tagString(h.main, tag));
  const epoch = tagNumbers(h.main, T.epoch)[0] ?? 0;
  const version = `<version epoch="${epoch}" ver="${s(T.version)}" rel="${s(T.release)}"/>`;
  const installed = tagNumbers(h.main, T.longsize)[0] ?? tagNumbers(h.main, T.size)[0] ?? 0;
  const archive = tagNumbers(h.signature, SIG_LONGARCHIVESIZE)[0] ?? tagNumbers(h.signature, SIG_PAYLOADSIZE)[0] ?? 0;
  const files = fileEntries(h);
  const key = `pkgid="${facts.sha256}" name="${s(T.name)}" arch="${s(T.arch)}"`;
  const primary =
    `<package type="rpm">\n  <name>${s(T.name)}</name>\n  <arch>${s(T.arch)}</arch>\n  ${version}\n` +
    `  <checksum type="sha256" pkgid="YES">${facts.sha256}</checksum>\n  <summary>${s(T.summary)}</summary>\n` +
    `  <description>${s(T.description)}</description>\n  <packager>${s(T.packager)}</packager>\n  <url>${s(T.url)}</url>\n` +
    `  <time file="${facts.mtime}" build="${tagNumbers(h.main, T.buildtime)[0] ?? 0}"/>\n` +
    `  <size package="${facts.fileSize}" installed="${installed}" archive="${archive}"/>\n` +
    `  <location href="${xmlEscape(facts.location)}"/>\n  <format>\n` +
    `    <rpm:license>${s(T.license)}</rpm:license>\n    <rpm:vendor>${s(T.vendor)}</rpm:vendor>\n` +
    `    <rpm:group>${s(T.group)}</rpm:group>\n    <rpm:buildhost>${s(T.buildhost)}</rpm:buildhost>\n` +
    `    <rpm:sourcerpm>${s(T.sourcerpm)}</rpm:sourcerpm>\n    <rpm:header-range start="${h.headerStart}" end="${h.headerEnd}"/>\n` +
    dependencyXml(h) +
    files.filter((f) => isPrimaryFile(f.path)).map((f) => fileXml(f, '    ')).join('') +
    `  </format>\n</package>\n`;
  const filelists = `<package ${key}>\n  ${version}\n${files.map((f) => fileXml(f, '  ')).join('')}</package>\n`;
  const other = `<package ${key}>\n  ${version}\n${changelogXml(h)}</package>\n`;
  return { primary, filelists, other };
}
