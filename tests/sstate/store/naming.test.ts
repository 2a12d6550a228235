import test from 'ava';
import { objectName, objectPath, objectRelPath, parseObjectName, siginfoPath, SstateNameError } from '../../../sstate/store/naming.js';

const FIELDS = { pn: 'busybox', packageArch: 'core2-64-poky-linux', pv: '1.36.1', pr: 'r0', pkgArch: 'core2-64', version: '14', hash: '8c3f0e2a9b', task: 'do_populate_sysroot' };
const NAME = 'sstate:busybox:core2-64-poky-linux:1.36.1:r0:core2-64:14:8c3f0e2a9b_populate_sysroot.tar.zst';

test('objectName spells the name as oe-core does, task without do_', (t) => {
  t.is(objectName(FIELDS), NAME);
  t.is(objectName({ ...FIELDS, task: 'populate_sysroot' }), NAME);
  t.is(objectRelPath(NAME), `8c/3f/${NAME}`);
  t.is(objectPath('/b/sstate-cache', NAME), `/b/sstate-cache/8c/3f/${NAME}`);
  t.is(siginfoPath(objectPath('/s', NAME)), `/s/8c/3f/${NAME}.siginfo`);
  // The software spec (fetch, unpack, patch, populate_lic) has empty arch fields.
  t.is(objectName({ ...FIELDS, packageArch: '', pkgArch: '', task: 'do_populate_lic' }), 'sstate:busybox::1.36.1:r0::14:8c3f0e2a9b_populate_lic.tar.zst');
});

test('parseObjectName reads the fields the cleaning tool uses, for objects, siginfo and .done', (t) => {
  t.deepEqual(parseObjectName(NAME), { ...FIELDS, task: 'populate_sysroot', kind: 'object' });
  t.is(parseObjectName(`${NAME}.siginfo`)?.kind, 'siginfo');
  t.is(parseObjectName(`${NAME}.siginfo`)?.task, 'populate_sysroot');
  t.is(parseObjectName(`${NAME}.done`)?.kind, 'done');
  // Underscores in PV and arch are fine: only the version and hash may not have them.
  const odd = objectName({ ...FIELDS, pv: '1.0_rc1', pkgArch: 'x86_64', task: 'do_package_write_ipk' });
  t.like(parseObjectName(odd), { pv: '1.0_rc1', pkgArch: 'x86_64', task: 'package_write_ipk', hash: '8c3f0e2a9b' });
  for (const bad of ['sstate:busybox.tar.zst', `${NAME}.tmp-1-2`, 'busybox.tar.zst', 'sstate:a:b:c:d:e:14:abc_task.tgz']) t.is(parseObjectName(bad), undefined, bad);
});

test('names over 246 bytes shorten PACKAGE_ARCH, PV and PR; PN and the hash stay whole', (t) => {
  const long = { ...FIELDS, pv: '1.0+git'.padEnd(200, 'x'), hash: 'f'.repeat(64) };
  const name = objectName(long);
  t.true(Buffer.byteLength(name) <= 246, `${Buffer.byteLength(name)}`);
  const parsed = parseObjectName(name);
  t.is(parsed?.pn, 'busybox');
  t.is(parsed?.hash, 'f'.repeat(64));
  t.true(long.pv.startsWith(parsed?.pv ?? '!'));
  t.throws(() => objectName({ ...FIELDS, pn: 'p'.repeat(300) }), { instanceOf: SstateNameError });
});

test('fields that would break the name or its path are refused', (t) => {
  t.throws(() => objectName({ ...FIELDS, pn: 'a:b' }), { instanceOf: SstateNameError });
  t.throws(() => objectName({ ...FIELDS, pv: '../1' }), { instanceOf: SstateNameError });
  t.throws(() => objectName({ ...FIELDS, hash: '../../x' }), { instanceOf: SstateNameError });
  t.throws(() => objectName({ ...FIELDS, version: '1_4' }), { instanceOf: SstateNameError });
  t.is(objectName({ ...FIELDS, hash: '' }).includes(':INVALID_populate_sysroot'), true);
  t.throws(() => objectRelPath('not-an-object'), { instanceOf: SstateNameError });
});
