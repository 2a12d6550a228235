import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PatchError } from '../../engine/fetch/errors.js';
import { hasCommand, requireTool } from '../helpers/host-tools.js';
import { fetchLayer, unpackRecipe } from './fetch-layer.js';

const ORIGINAL = 'line 1\nline 2\nline 3\n';

/** A tarball app-1.0/greeting.txt (and lib/greeting.txt) with ORIGINAL. */
function tarball(): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'tsbake-src-'));
  mkdirSync(join(dir, 'app-1.0/lib'), { recursive: true });
  writeFileSync(join(dir, 'app-1.0/greeting.txt'), ORIGINAL);
  writeFileSync(join(dir, 'app-1.0/lib/greeting.txt'), ORIGINAL);
  return spawnSync('tar', ['-czf', '-', 'app-1.0'], { cwd: dir }).stdout;
}

const diff = (path: string, from: string, to: string, prefix = 'a/', newPrefix = 'b/'): string =>
  `Subject: change ${path}\n\n--- ${prefix}${path}\n+++ ${newPrefix}${path}\n@@ -1,3 +1,3 @@\n line 1\n-${from}\n+${to}\n line 3\n`;

test('patches apply in SRC_URI order in ${S}; patchdir=, striplevel= and apply=no are honoured', async (t) => {
  if (!requireTool(t, hasCommand('patch'), 'patch (Debian package patch)')) return;
  const layer = fetchLayer(
    { 'app_1.0': 'SRC_URI = "file://app-1.0.tar.gz file://1.patch file://2.diff file://lib.patch;patchdir=lib;striplevel=0 file://skip.patch;apply=no"\n' },
    {
      'files/app-1.0.tar.gz': tarball(),
      'files/1.patch': diff('greeting.txt', 'line 2', 'line two'),
      'files/2.diff': diff('greeting.txt', 'line two', 'line TWO'),
      'files/lib.patch': diff('greeting.txt', 'line 2', 'lib line 2', '', ''),
      'files/skip.patch': diff('greeting.txt', 'line 1', 'never'),
    },
  );
  await unpackRecipe(layer, 'app_1.0');
  const s = join(layer, 'tmp/work/app/sources/app-1.0');
  t.is(readFileSync(join(s, 'greeting.txt'), 'utf8'), 'line 1\nline TWO\nline 3\n');
  t.is(readFileSync(join(s, 'lib/greeting.txt'), 'utf8'), 'line 1\nlib line 2\nline 3\n');
});

test('a patch that does not apply fails naming the patch, the file and the hunk, and leaves the tree as it was', async (t) => {
  if (!requireTool(t, hasCommand('patch'), 'patch (Debian package patch)')) return;
  const bad = `--- a/greeting.txt\n+++ b/greeting.txt\n@@ -1,3 +1,3 @@\n line 1\n-line 2\n+line two\n line 3\n@@ -10,3 +10,3 @@\n line 10\n-line 11\n+line eleven\n line 12\n`;
  const layer = fetchLayer({ 'app_1.0': 'SRC_URI = "file://app-1.0.tar.gz file://0002-eleven.patch"\n' }, { 'files/app-1.0.tar.gz': tarball(), 'files/0002-eleven.patch': bad });
  const e = await t.throwsAsync(unpackRecipe(layer, 'app_1.0'), { instanceOf: PatchError });
  t.regex(e?.message ?? '', /patch 0002-eleven\.patch does not apply/);
  t.regex(e?.message ?? '', /greeting\.txt: hunk #2 FAILED/);
  t.true(e?.message.includes('@@ -10,3 +10,3 @@\n line 10\n-line 11\n+line eleven'), e?.message);
  t.is(readFileSync(join(layer, 'tmp/work/app/sources/app-1.0/greeting.txt'), 'utf8'), ORIGINAL);
});
