import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withSource } from '../../engine/feed/byte-source.js';
import { readControl } from '../../engine/feed/read-control.js';
import { requireTool } from '../helpers/host-tools.js';

const CONTROL = 'Package: demo\nVersion: 1.0-r0\nArchitecture: all\nDescription: demo\n';

/** An ar member: 60-byte header, data, padding to an even offset. */
function arMember(name: string, data: Buffer): Buffer {
  const header = `${name.padEnd(16)}${'0'.padEnd(12)}${'0'.padEnd(6)}${'0'.padEnd(6)}${'100644'.padEnd(8)}${String(data.length).padEnd(10)}\`\n`;
  return Buffer.concat([Buffer.from(header, 'latin1'), data, Buffer.alloc(data.length % 2)]);
}

const tools = ['tar', 'gzip', 'xz', 'zstd'].every((tool) => spawnSync(tool, ['--version']).status === 0);

test('the control file of a .deb is read from control.tar, .tar.gz, .tar.xz and .tar.zst members alike', (t) => {
  if (!requireTool(t, tools, 'tar, gzip, xz and zstd (Debian: tar gzip xz-utils zstd)')) return;
  const dir = mkdtempSync(join(tmpdir(), 'tsbake-readcontrol-'));
  mkdirSync(join(dir, 'c'));
  writeFileSync(join(dir, 'c', 'control'), CONTROL);
  const tar = spawnSync('tar', ['-c', '--format=gnu', '-C', join(dir, 'c'), './control']).stdout;
  for (const [ext, cmd] of [['', undefined], ['.gz', ['gzip', '-c']], ['.xz', ['xz', '-c']], ['.zst', ['zstd', '-q', '-c']]] as const) {
    const member = cmd === undefined ? tar : spawnSync(cmd[0], cmd.slice(1), { input: tar }).stdout;
    const deb = join(dir, `demo${ext || '.none'}.deb`);
    writeFileSync(deb, Buffer.concat([Buffer.from('!<arch>\n'), arMember('debian-binary', Buffer.from('2.0\n')), arMember(`control.tar${ext}`, member), arMember('data.tar', Buffer.alloc(1024))]));
    t.is(withSource(deb, readControl), CONTROL, `control.tar${ext}`);
    t.is(withSource(deb, readControl, readFileSync(deb).length), CONTROL, `control.tar${ext}, size known`);
  }
});

test('a control file that lies beyond the first 4 KiB of control.tar.gz is still found', (t) => {
  if (!requireTool(t, tools, 'tar, gzip, xz and zstd (Debian: tar gzip xz-utils zstd)')) return;
  const dir = mkdtempSync(join(tmpdir(), 'tsbake-readcontrol-'));
  mkdirSync(join(dir, 'c'));
  writeFileSync(join(dir, 'c', 'control'), CONTROL);
  writeFileSync(join(dir, 'c', 'md5sums'), `${'0'.repeat(32)}  usr/share/doc/demo/file\n`.repeat(200));
  const member = spawnSync('tar', ['-c', '-z', '--format=gnu', '-C', join(dir, 'c'), './md5sums', './control']).stdout;
  const deb = join(dir, 'late.deb');
  writeFileSync(deb, Buffer.concat([Buffer.from('!<arch>\n'), arMember('debian-binary', Buffer.from('2.0\n')), arMember('control.tar.gz', member), arMember('data.tar', Buffer.alloc(1024))]));
  t.is(withSource(deb, readControl), CONTROL);
});
