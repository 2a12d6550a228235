import test from 'ava';
import { mkdirSync, mkdtempSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChecksumMemo, fileChecksums, taskhash } from '../../../sstate/signature/taskhash.js';

const BASE = '0123456789abcdef';

test('taskhash changes when a dependency hash, a file checksum or the taint changes, not with order', (t) => {
  const deps = { 'a:do_install': '1111', 'b:do_install': '2222' };
  const files = [{ path: 'fix.patch', checksum: 'aa' }];
  const h = taskhash(BASE, deps, files);
  t.regex(h, /^[0-9a-f]{16}$/);
  t.is(taskhash(BASE, { 'b:do_install': '2222', 'a:do_install': '1111' }, files), h, 'dependency order does not matter');
  t.not(taskhash(BASE, { ...deps, 'b:do_install': '2223' }, files), h);
  t.not(taskhash(BASE, { 'a:do_install': '1111' }, files), h);
  t.not(taskhash(BASE, deps, [{ path: 'fix.patch', checksum: 'ab' }]), h);
  t.not(taskhash(BASE, deps, [{ path: 'other.patch', checksum: 'aa' }]), h, 'a renamed file is a different input');
  t.not(taskhash(BASE, deps, files, 'nostamp:123'), h);
  t.not(taskhash('fedcba9876543210', deps, files), h);
});

function tree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsbake-fc-'));
  mkdirSync(join(dir, 'files/sub/.git'), { recursive: true });
  writeFileSync(join(dir, 'files/a.patch'), 'A');
  writeFileSync(join(dir, 'files/b.patch'), 'B');
  writeFileSync(join(dir, 'files/sub/c.txt'), 'C');
  writeFileSync(join(dir, 'files/sub/.git/config'), 'ignored');
  symlinkSync(join(dir, 'files/sub'), join(dir, 'files/link-to-dir'));
  return dir;
}

test('fileChecksums: files by base name, directories by ./path, :False and VCS dirs skipped', (t) => {
  const dir = tree();
  const flag = `${dir}/files/a.patch:True ${dir}/files/missing.patch:False ${dir}/files/sub:True ${dir}/files/link-to-dir:True`;
  const sums = fileChecksums(flag);
  t.deepEqual(
    sums.map((f) => f.path),
    ['./c.txt', 'a.patch'],
    'sorted by name; a symlink to a directory is not followed',
  );
  t.regex(sums[1]?.checksum ?? '', /^[0-9a-f]{64}$/);
  t.is(sums[1]?.checksum, '559aead08264d5795d3909718cdd05abd49572e84fe55590eef31a88a08fdffd', 'sha256 of "A"');
});

test('fileChecksums: globs; a missing :True file is an error', (t) => {
  const dir = tree();
  t.deepEqual(
    fileChecksums(`${dir}/files/*.patch:True`).map((f) => f.path),
    ['a.patch', 'b.patch'],
  );
  t.deepEqual(fileChecksums(`${dir}/files/*.none:True`), [], 'a glob may match nothing');
  const e = t.throws(() => fileChecksums(`${dir}/files/gone.patch:True`));
  t.regex(e?.message ?? '', /gone\.patch is listed in \[file-checksums\] but does not exist/);
});

test('fileChecksums: changing a file changes its checksum; the memo trusts an unchanged stat', (t) => {
  const dir = tree();
  const f = join(dir, 'files/a.patch');
  const old = new Date(Date.now() - 60_000);
  utimesSync(f, old, old);
  const later = Date.now() + 10_000; // the file's ctime is now; "later" makes it old enough to trust
  const memo = new ChecksumMemo([], later);
  const first = fileChecksums(`${f}:True`, { memo })[0]?.checksum;
  t.is(memo.entries().length, 1, 'an old file is memoised');
  // "Now" is the moment of the write, however long the machine took to get here.
  const fresh = new ChecksumMemo([], statSync(f).ctimeMs);
  fileChecksums(`${f}:True`, { memo: fresh });
  t.is(fresh.entries().length, 0, 'a file changed in the last 2 s is not trusted next time');
  writeFileSync(f, 'changed');
  utimesSync(f, old, old);
  const second = fileChecksums(`${f}:True`, { memo })[0]?.checksum;
  t.not(second, first, 'ctime moved on rewrite, so the memo does not vouch for it');
  const again = new ChecksumMemo(memo.entries(), later);
  t.is(fileChecksums(`${f}:True`, { memo: again })[0]?.checksum, second, 'entries() round trip');
});
