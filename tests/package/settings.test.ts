import test from 'ava';
import { compressionSetting } from '../../engine/package/archive/compression.js';
import { dpkgArch } from '../../engine/package/deb/arch.js';
import { rpmArch } from '../../engine/package/rpm/writer.js';

test("architecture names per format: oe-core's DPKG_ARCH mapping and rpm's", (t) => {
  const cases: [string, string[], string][] = [
    ['x86_64', [], 'amd64'],
    ['x86_64', ['mx32'], 'x32'],
    ['aarch64', [], 'arm64'],
    ['arm', ['callconvention-hard'], 'armhf'],
    ['arm', [], 'armel'],
    ['i686', [], 'i386'],
    ['mips', ['bigendian'], 'mips'],
    ['mips64', ['n64'], 'mips64el'],
    ['riscv64', [], 'riscv64'],
    ['allarch', [], 'all'],
  ];
  for (const [arch, tune, want] of cases) t.is(dpkgArch(arch, tune), want, `${arch} ${tune.join(' ')}`);
  t.is(rpmArch('all'), 'noarch');
  t.is(rpmArch('core2-64'), 'core2_64');
  t.is(rpmArch('x86_64'), 'x86_64');
});

test('compressor settings: <FMT>_COMPRESSOR with the level variable of that compressor, defaults, and a clear error', (t) => {
  const vars = (v: Record<string, string>) => (name: string): string => v[name] ?? '';
  t.deepEqual(compressionSetting(vars({}), 'DEB_COMPRESSOR', 'zstd'), { kind: 'zstd', level: 3 });
  t.deepEqual(compressionSetting(vars({ DEB_COMPRESSOR: 'xz', XZ_COMPRESSION_LEVEL: '-9' }), 'DEB_COMPRESSOR', 'zstd'), { kind: 'xz', level: 9 });
  t.deepEqual(compressionSetting(vars({ TAR_COMPRESSOR: 'gzip', ZSTD_COMPRESSION_LEVEL: '19' }), 'TAR_COMPRESSOR', 'zstd'), { kind: 'gzip', level: 9 });
  t.throws(() => compressionSetting(vars({ RPM_COMPRESSOR: 'lz4' }), 'RPM_COMPRESSOR', 'zstd'), { message: /RPM_COMPRESSOR = "lz4": not a compressor/ });
  // zstd's threads, as oe-core's ZSTD_THREADS gives them
  t.deepEqual(compressionSetting(vars({ ZSTD_THREADS: '8' }), 'IPK_COMPRESSOR', 'zstd'), { kind: 'zstd', level: 3, threads: 8 });
  t.deepEqual(compressionSetting(vars({ ZSTD_THREADS: '8', DEB_COMPRESSOR: 'xz' }), 'DEB_COMPRESSOR', 'zstd'), { kind: 'xz', level: 6 });
  t.throws(() => compressionSetting(vars({ ZSTD_THREADS: 'many' }), 'DEB_COMPRESSOR', 'zstd'), { message: /ZSTD_THREADS = "many": not a number/ });
});
