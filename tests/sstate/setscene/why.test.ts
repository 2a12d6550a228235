import test from 'ava';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appendConf, bake, command, runLayer } from '../../run/run-layer.js';

const layer = (): string => runLayer({ lib_1: 'LIBFLAGS = "-O1"\ndo_compile:append() {\n\techo ${LIBFLAGS}\n}\n', app_1: 'DEPENDS = "lib"\n' });

test('why names the changed variable with old and new values and where it was set, through the dependency chain', (t) => {
  const dir = layer();
  t.is(bake(dir, ['app']).status, 0);
  appendConf(dir, 'LIBFLAGS:pn-lib = "-O3"\nOVERRIDES = "pn-${PN}"\n');
  const r = command(dir, ['why', 'app:do_install']);
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /app:do_install \(\w+ -> \w+\):/);
  t.regex(r.stdout, /dependency lib:do_install changed/);
  t.regex(r.stdout, /lib:do_compile \(\w+ -> \w+\):\n\s+variable LIBFLAGS changed from "-O1" to "-O3" \(set at .*conf\/bitbake\.conf:\d+\)/);
});

test('why says when nothing changed, and when nothing ran before', (t) => {
  const dir = layer();
  t.regex(command(dir, ['why', 'app:do_compile']).stdout, /no earlier signature is recorded/);
  t.is(bake(dir, ['app']).status, 0);
  t.regex(command(dir, ['why', 'app:do_compile']).stdout, /the signature is unchanged/);
});

test('dumpsig shows what goes into a signature; diffsigs compares two records', (t) => {
  const dir = layer();
  const dump = command(dir, ['dumpsig', 'lib:do_compile']);
  t.is(dump.status, 0, dump.stderr);
  t.regex(dump.stdout, /lib:do_compile\n {2}basehash \w{16}\n {2}taskhash \w{16}\n/);
  t.regex(dump.stdout, /LIBFLAGS = "-O1"/);
  t.is(bake(dir, ['lib']).status, 0);
  writeFileSync(join(dir, 'recipes/lib_1.bb'), readFileSync(join(dir, 'recipes/lib_1.bb'), 'utf8').replace('-O1', '-O2'));
  t.is(bake(dir, ['lib']).status, 0);
  const stampDir = join(dir, 'tmp/stamps');
  const sigs = readdirSync(stampDir).filter((n) => n.startsWith('lib.do_compile.sigdata.')).map((n) => join(stampDir, n));
  t.is(sigs.length, 2);
  const diff = command(dir, ['diffsigs', sigs[0] ?? '', sigs[1] ?? '']);
  t.is(diff.status, 0, diff.stderr);
  t.regex(diff.stdout, /variable LIBFLAGS changed from "-O[12]" to "-O[12]"/);
});
