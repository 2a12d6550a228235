import test from 'ava';
import { depchainRecommends, type DepchainInput } from '../../../engine/package/split/depchains.js';

const base: DepchainInput = {
  packages: ['app-src', 'app-dbg', 'app-staticdev', 'app-dev', 'app-doc', 'app'],
  prefixes: [],
  suffixes: ['-dev', '-dbg'],
  depends: ['zlib', 'libdemo', 'gcc-cross-x86_64', 'quilt-native', 'virtual/libc', 'libfoo-dev'],
  rdepends: (pkg) => (pkg === 'app' ? ['libdemo', 'busybox', 'virtual-locale-de'] : pkg === 'app-dev' ? ['app'] : []),
  libdepends: ['libdemo', 'libc6', 'libdemo-dev'],
  dbgDefaultDeps: false,
  noDeprrecs: () => false,
};

const of = (input: DepchainInput): Record<string, string[]> => Object.fromEntries(depchainRecommends(input));

test('-dev recommends the -dev of DEPENDS (no -native, -cross or virtual/), -dbg the -dbg of the libraries the files need', (t) => {
  t.deepEqual(of(base), {
    'app-dbg': ['libc6-dbg', 'libdemo-dbg'],
    'app-dev': ['libdemo-dev', 'libfoo-dev', 'zlib-dev'],
  });
});

test('DEPCHAIN_DBGDEFAULTDEPS: -dbg follows every package\'s RDEPENDS; a prefix chains by name; nodeprrecs opts out', (t) => {
  t.deepEqual(of({ ...base, dbgDefaultDeps: true, noDeprrecs: (p) => p === 'app-dev' }), { 'app-dbg': ['busybox-dbg', 'libdemo-dbg'] });
  t.deepEqual(of({ ...base, packages: ['app', 'lib32-app', 'lib32-app-tools'], prefixes: ['lib32-'], suffixes: [] }), {
    // two packages with the prefix: each follows its base package's RDEPENDS
    'lib32-app': ['lib32-busybox', 'lib32-libdemo'],
    'lib32-app-tools': [],
  });
});

test('a package never recommends itself', (t) => {
  t.deepEqual(of({ ...base, packages: ['zlib-dev'], depends: ['zlib'] }), { 'zlib-dev': [] });
});
