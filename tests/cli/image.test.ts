import test from 'ava';
import { confLayer, makeLayer, PRELUDE, tsbake } from '../helpers/layer.js';
import { bake, command, runLayer, started } from '../run/run-layer.js';

test('tsbake image without a name is a usage error', (t) => {
  const r = tsbake(['image'], confLayer(''));
  t.is(r.status, 2);
  t.regex(r.stderr, /image needs an image recipe name/);
});

test('a build first checks HOSTTOOLS and names the Debian packages of the missing ones', (t) => {
  const dir = makeLayer({
    'conf/bitbake.conf': `${PRELUDE}HOSTTOOLS = "sh no-such-tool-a no-such-tool-b"\nHOSTTOOLS_PACKAGE[no-such-tool-a] = "pkg-a"\n`,
    'meta/recipes-a/img/img_1.0.bb': 'do_build() {\n\ttouch ${TOPDIR}/built\n}\n',
  });
  const r = tsbake(['image', 'img'], dir);
  t.is(r.status, 2);
  t.regex(r.stderr, /The following required tools \(as specified by HOSTTOOLS\) appear to be unavailable in PATH, please install them in order to proceed:\n\s+no-such-tool-a no-such-tool-b/);
  t.regex(r.stderr, /hint: on Debian or Ubuntu: apt-get install no-such-tool-b pkg-a/);
});

test('tsbake image NAME builds NAME as tsbake NAME does', (t) => {
  const dir = runLayer({ img_1: '' }, { conf: 'HOSTTOOLS = "sh"\n' });
  const first = command(dir, ['image', 'img', '--no-progress']);
  t.is(first.status, 0, first.stdout + first.stderr);
  t.deepEqual(started(first.stdout), ['img:do_fetch', 'img:do_compile', 'img:do_install']);
  const again = bake(dir, ['img']);
  t.is(again.status, 0, again.stderr);
  t.deepEqual(started(again.stdout), []);
});
