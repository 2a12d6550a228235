import test from 'ava';
import { makeLayer, PRELUDE, tsbake } from '../helpers/layer.js';

const layer = (conf: string): string =>
  makeLayer({
    'conf/bitbake.conf':
      PRELUDE +
      `PN = "\${@bb.parse.vars_from_file(d.getVar('FILE', False),d)[0] or 'defaultpkgname'}"\nPV = "\${@bb.parse.vars_from_file(d.getVar('FILE', False),d)[1] or '1.0'}"\n` +
      conf,
    'meta/recipes-a/zlib/zlib_1.2.13.bb': '',
    'meta/recipes-a/zlib/zlib_1.3.1.bb': 'BBCLASSEXTEND = "native"\n',
    'meta/recipes-a/zlib/zlib_1.10.bb': 'DEFAULT_PREFERENCE = "-1"\n',
    'meta/recipes-a/libc/musl_1.2.bb': 'PROVIDES = "virtual/libc"\n',
    'meta/recipes-a/libc/glibc_2.40.bb': 'PROVIDES = "virtual/libc"\n',
    'classes/native.bbclass': 'NATIVE = "yes"\n',
  });

test('the highest version wins unless DEFAULT_PREFERENCE or PREFERRED_VERSION say otherwise', (t) => {
  t.is(tsbake(['getvar', '-r', 'zlib', 'PV'], layer('')).stdout, '1.3.1\n');
  t.is(tsbake(['getvar', '-r', 'zlib', 'PV'], layer('PREFERRED_VERSION_zlib = "1.2%"\n')).stdout, '1.2.13\n');
});

test('PREFERRED_PROVIDER picks among PROVIDES; nothing provides is an error', (t) => {
  t.is(tsbake(['getvar', '-r', 'virtual/libc', 'PN'], layer('PREFERRED_PROVIDER_virtual/libc = "musl"\n')).stdout, 'musl\n');
  const r = tsbake(['getvar', '-r', 'virtual/nothing', 'PN'], layer(''));
  t.is(r.status, 2);
  t.regex(r.stderr, /Nothing PROVIDES 'virtual\/nothing'/);
});

test('BBCLASSEXTEND variants are separate recipes', (t) => {
  const dir = layer('');
  t.is(tsbake(['getvar', '-r', 'zlib-native', 'NATIVE'], dir).stdout, 'yes\n');
  t.is(tsbake(['getvar', '-r', 'zlib', 'NATIVE'], dir).status, 1);
  t.regex(tsbake(['-p'], dir).stdout, /Parsing of 5 \.bb files complete \(\d+ cached, \d+ parsed\)\. 6 targets, 0 skipped, 0 masked, 0 errors\./);
});
