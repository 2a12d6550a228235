/**
 * `.done` stamps byte for byte as BitBake writes them: Python's pickle (protocol 2) of the
 * checksum dict, and the goh1 checksum of zip archives and other files (bb.utils.goh1_file).
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeChecksums, doneStampBytes, type Checksums } from '../../engine/fetch/checksums.js';
import { hasCommand, requireTool } from '../helpers/host-tools.js';
import { bitbakeLib } from './bitbake.js';

function python(script: string, ...args: string[]): Buffer {
  const r = spawnSync('python3', ['-c', script, ...args], { env: { ...process.env, PYTHONPATH: bitbakeLib() ?? '' } });
  if (r.status !== 0) throw new Error(r.stderr.toString());
  return r.stdout;
}

test('a stamp is the pickle Python writes for the same dict (none, one and every checksum)', (t) => {
  if (!requireTool(t, hasCommand('python3'), 'python3')) return;
  const all: Checksums = { goh1: 'a'.repeat(64), md5: 'b'.repeat(32), sha256: 'c'.repeat(64), sha1: 'd'.repeat(40), sha384: 'e'.repeat(96), sha512: 'f'.repeat(128) };
  for (const sums of [{}, { sha256: 'c'.repeat(64) }, all]) {
    const pickled = python('import json, pickle, sys; sys.stdout.buffer.write(pickle.dumps(json.loads(sys.argv[1]), 2))', JSON.stringify(sums));
    t.deepEqual(doneStampBytes(sums), pickled, JSON.stringify(sums));
  }
});

test('every checksum of a zip archive and of a plain file is what BitBake computes, goh1 included', async (t) => {
  const lib = bitbakeLib();
  if (!requireTool(t, lib !== undefined, 'a BitBake checkout at ../bitbake or $TSBAKE_BITBAKE')) return;
  const dir = mkdtempSync(join(tmpdir(), 'tsbake-goh1-'));
  const zip = join(dir, 'm.zip');
  python('import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], "w") as z:\n  z.writestr("b/x.go", "package x\\n" * 50, zipfile.ZIP_DEFLATED)\n  z.writestr("a.mod", "module a\\n")', zip);
  const plain = join(dir, 'p.tar.gz');
  writeFileSync(plain, 'not a zip\n');
  for (const file of [zip, plain]) {
    const expected = JSON.parse(python('import bb.utils, json, sys; print(json.dumps({k: getattr(bb.utils, k + "_file")(sys.argv[1]) for k in ["goh1", "md5", "sha256", "sha1", "sha384", "sha512"]}))', file).toString()) as Checksums;
    const sums = await computeChecksums(file);
    t.deepEqual(sums, expected, file);
  }
});
