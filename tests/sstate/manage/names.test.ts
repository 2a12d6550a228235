import test from 'ava';
import { UsageError } from '../../../engine/core/errors.js';
import { isCandidateName, parseSstateFileName, parseTempName } from '../../../sstate/manage/object-name.js';
import { parseOptions, parseSize } from '../../../sstate/manage/options.js';
import { stampHash } from '../../../sstate/manage/stamp-name.js';

/** oe-core's RE_SSTATE_PKGSPEC (scripts/sstate-cache-management.py), as a JS regex. */
const OE = /^sstate:([^:]*):([^:]*):([^:]*):([^:]*):([^:]*):([^_]*):([^_]*)_([^:]*)(\.tar\.zst|\.tar\.zst\.siginfo|\.tar\.zst\.done)$/;

const fields = (n: string): string[] | undefined => {
  const p = parseSstateFileName(n);
  return p && [p.pn, p.packageArch, p.pv, p.pr, p.pkgArch, p.version, p.hash, p.task, p.kind, p.objectName];
};

test('object names: the fields of oe-core regex', (t) => {
  const a = 'sstate:gcc-cross-x86_64:x86_64-linux:13.2.0:r0:x86_64:14:0a1b2c_populate_sysroot.tar.zst';
  t.deepEqual(fields(a), ['gcc-cross-x86_64', 'x86_64-linux', '13.2.0', 'r0', 'x86_64', '14', '0a1b2c', 'populate_sysroot', 'object', a]);
  t.deepEqual(fields(`${a}.siginfo`)?.slice(8), ['siginfo', a]);
  t.deepEqual(fields(`${a}.done`)?.slice(8), ['done', a]);
  t.deepEqual(fields('sstate:linux-libc-headers::6.6:r0::14:ff_fetch.tar.zst')?.slice(0, 8), ['linux-libc-headers', '', '6.6', 'r0', '', '14', 'ff', 'fetch']);
  t.deepEqual(fields('sstate:p:a:1:r:a:v:1:x:h_t.tar.zst')?.slice(5, 8), ['v:1:x', 'h', 't'], 'the version runs to the last colon');
  for (const bad of ['sstate:p:a:1:r0:a:14:hash.tar.zst', 'sstate:p:a:1:r0:a:14_h_t.tar.zst', 'sstate:p:a:1:r0:a:14:h_t:x.tar.zst', 'sstate:p:a:1:r0:a:14:h_t.tar.gz', 'other:p:a:1:r0:a:14:h_t.tar.zst', 'sstate:p:a:1:r0:a:14:h_t.tar.zst.lock']) {
    t.is(parseSstateFileName(bad), undefined, bad);
  }
});

test('object names: the parser agrees with oe-core regex on generated names', (t) => {
  const pieces = ['a', ':', '_', '.', '9', '.tar.zst', '.siginfo', '.done', 'x86_64'];
  let seed = 7;
  const rand = (n: number): number => Math.floor((seed = (seed * 1103515245 + 12345) % 2147483648) / 65536) % n;
  let matched = 0;
  for (let i = 0; i < 50_000; i++) {
    let n = rand(2) ? 'sstate:p:a:1:r0:x86_64:14:' : 'sstate:';
    for (let k = rand(14); k > 0; k--) n += pieces[rand(pieces.length)];
    n += ['.tar.zst', '.tar.zst.siginfo', '.tar.zst.done', ''][rand(4)];
    const m = OE.exec(n);
    const p = fields(n);
    if (m) matched++;
    t.deepEqual(p?.slice(0, 8), m?.slice(1, 9), n);
  }
  t.true(matched > 1000, `${matched} names matched`);
});

test('temp names and the names the walk keeps', (t) => {
  t.deepEqual(parseTempName('sstate:x_package.tar.zst.tmp-1234-7'), { pid: 1234 });
  t.deepEqual(parseTempName('index.tmp-99-a1B2'), { pid: 99 });
  for (const n of ['x.tmp-0-1', 'x.tmp--1', 'x.tmp-12', 'x.tmp-12-', 'x.tmp-12-3.siginfo']) t.is(parseTempName(n), undefined, n);
  t.true(isCandidateName('sstate:anything'));
  t.true(isCandidateName('foo.tmp-1-2'));
  t.false(isCandidateName('README'));
});

test('stamp files name hashes: stamps, setscene stamps and sigdata, not sigbasedata or taint', (t) => {
  const cases: [string, string | undefined][] = [
    ['1.0-r0.do_compile.1f2e', '1f2e'],
    ['1.0-r0.do_deploy.1f2e.qemux86_64', '1f2e'],
    ['1.0-r0.do_populate_sysroot_setscene.abc9', 'abc9'],
    ['1.0-r0.do_populate_sysroot_setscene.abc9.qemux86_64', 'abc9'],
    ['1.0-r0.do_package.sigdata.0dd1', '0dd1'],
    ['1.0.do_x-r0.do_package.sigdata.0dd1', '0dd1'],
    ['1.0-r0.do_compile.sigbasedata.beef', undefined],
    ['1.0-r0.do_compile.taint', undefined],
    ['1.0-r0.do_build', undefined],
    ['1.0-r0.do_package.sigdata', undefined],
    ['run.sh', undefined],
  ];
  for (const [name, hash] of cases) t.is(stampHash(name), hash, name);
});

test('options: sizes, refusals and defaults', (t) => {
  t.is(parseSize('1024'), 1024);
  t.is(parseSize('2K'), 2048);
  t.is(parseSize('1.5m'), 1.5 * 2 ** 20);
  t.is(parseSize('20G'), 20 * 2 ** 30);
  t.is(parseSize('1TiB'), 2 ** 40);
  t.throws(() => parseSize('-1G'), { instanceOf: UsageError });
  const parsed = parseOptions(['-d', '--cache-dir', 'c']);
  t.like(parsed, { help: false, options: { removeDuplicated: true, jobs: 8, cacheDir: 'c', debug: 0, stampsDirs: [] } });
  t.like(parseOptions(['--stamps-dir', 'a', '--stamps-dir=b', '-DD', '-j3']), { options: { stampsDirs: ['a', 'b'], debug: 2, jobs: 3 } });
  t.deepEqual(parseOptions(['-h']), { help: true });
  t.throws(() => parseOptions(['-d', '--stamps-dir', 'a']), { instanceOf: UsageError, message: /cannot be combined/ });
  t.throws(() => parseOptions(['-n']), { instanceOf: UsageError, message: /^nothing to do/ });
});
