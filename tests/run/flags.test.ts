/**
 * Task flags, each on a tiny layer built with the real CLI: noexec, nostamp, dirs, cleandirs,
 * lockfiles, umask, fakeroot, network, prefuncs/postfuncs and number_threads.
 */
import test from 'ava';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasCommand, requireTool } from '../helpers/host-tools.js';
import { bake, readText, runLayer, started, stampHash, stamps, tempDir } from './run-layer.js';

const ONLY_BUILD = 'do_build[noexec] = "1"\naddtask build\n';

/**
 * A task body that measures how many tasks of the probe run at once, with marker files, not
 * the clock. It marks itself running and started, then watches the running markers: more
 * than `limit` is a violation (it stops there); once it has seen `limit` it marks itself as
 * having seen it, and it leaves only when every task still running has seen it too, so a
 * slow task cannot miss the overlap. A task that can no longer reach `limit` (all `total`
 * started, fewer running) leaves at once. It appends the most it saw to
 * ${TMPDIR}/concurrency. The loop's bound only keeps a broken build from hanging the test.
 */
const PROBE = (limit: number, total: number): string =>
  [
    'R=${TMPDIR}/probe-running; S=${TMPDIR}/probe-started; V=${TMPDIR}/probe-seen',
    'mkdir -p $R $S $V',
    'touch $R/${PN} $S/${PN}',
    'max=0',
    'for i in $(seq 6000); do',
    // Started before running: a task marks itself running, then started, so a count of started
    // tasks read first never sees a task whose running mark the second count would miss.
    '\ts=$(ls $S | wc -l); n=$(ls $R | wc -l)',
    '\t[ $n -gt $max ] && max=$n',
    `\t[ $n -gt ${limit} ] && break`,
    `\t[ $n -ge ${limit} ] && touch $V/\${PN}`,
    '\tif [ -e $V/${PN} ]; then',
    '\t\tall=1; for f in $(ls $R); do [ -e $V/$f ] || all=0; done',
    '\t\t[ $all = 1 ] && break',
    `\telif [ $s -eq ${total} ] && [ $n -lt ${limit} ]; then`,
    '\t\tbreak',
    '\tfi',
    '\tsleep 0.05',
    'done',
    'echo $max >> ${TMPDIR}/concurrency',
    'rm $R/${PN}',
  ].join('\n\t');

/** The most tasks each probe saw running at once. */
const concurrency = (dir: string): number[] => readText(join(dir, 'tmp/concurrency')).trim().split('\n').map(Number);

test('noexec: nothing runs (no run/log file), the stamp is written', (t) => {
  const dir = runLayer({ a_1: `do_skip() {\n\ttouch \${TOPDIR}/skip-ran\n}\ndo_skip[noexec] = "1"\naddtask skip before do_build\n` }, { base: ONLY_BUILD });
  const r = bake(dir, ['a']);
  t.is(r.status, 0, r.stderr + r.stdout);
  t.deepEqual(started(r.stdout), []);
  t.false(existsSync(join(dir, 'skip-ran')));
  const temp = tempDir(dir, 'a');
  t.false(existsSync(temp) && readdirSync(temp).some((n) => n.includes('do_skip')));
  t.truthy(stampHash(dir, 'a', 'do_skip'));
  t.truthy(stampHash(dir, 'a', 'do_build'));
});

test('nostamp: the task runs on every build and leaves no stamp', (t) => {
  const dir = runLayer({ a_1: `do_always() {\n\techo x >> \${TOPDIR}/count\n}\ndo_always[nostamp] = "1"\naddtask always before do_build\n` }, { base: ONLY_BUILD });
  for (let i = 0; i < 2; i++) {
    const r = bake(dir, ['a']);
    t.is(r.status, 0, r.stderr);
    t.deepEqual(started(r.stdout), ['a:do_always']);
  }
  t.is(readText(join(dir, 'count')), 'x\nx\n');
  t.is(stampHash(dir, 'a', 'do_always'), undefined);
});

// BitBake's siggen gives every nostamp task a fresh taint, so `bitbake a` reruns do_after on
// every build (checked with BitBake 2.19).
test('nostamp: the tasks after a nostamp task run again too (BitBake taints nostamp tasks)', (t) => {
  const dir = runLayer(
    { a_1: `do_always() {\n\t:\n}\ndo_always[nostamp] = "1"\naddtask always\ndo_after() {\n\t:\n}\naddtask after after do_always before do_build\n` },
    { base: ONLY_BUILD },
  );
  t.is(bake(dir, ['a']).status, 0);
  t.deepEqual(started(bake(dir, ['a']).stdout), ['a:do_always', 'a:do_after']);
});

test('dirs: all are created and the last is the cwd; cleandirs are emptied first', (t) => {
  const dir = runLayer(
    {
      a_1: [
        'do_where() {',
        '\tpwd > ${T}/cwd',
        '\tls -A ${WORKDIR}/clean > ${T}/clean.list',
        '}',
        'do_where[dirs] = "${WORKDIR}/first ${WORKDIR}/second/deep ${WORKDIR}/last"',
        'do_where[cleandirs] = "${WORKDIR}/clean"',
        'addtask where before do_build',
        '',
      ].join('\n'),
    },
    { base: ONLY_BUILD },
  );
  const work = join(dir, 'tmp/work/a');
  mkdirSync(join(work, 'clean/sub'), { recursive: true });
  writeFileSync(join(work, 'clean/stale'), '');
  const r = bake(dir, ['a']);
  t.is(r.status, 0, r.stderr + r.stdout);
  t.is(readText(join(tempDir(dir, 'a'), 'cwd')), `${work}/last\n`);
  for (const d of ['first', 'second/deep', 'last', 'clean']) t.true(statSync(join(work, d)).isDirectory(), d);
  t.is(readText(join(tempDir(dir, 'a'), 'clean.list')), '', 'cleandirs was empty when the task started');
});

test('a task without [dirs] runs in ${B}', (t) => {
  const dir = runLayer({ a_1: 'do_where() {\n\tpwd > ${T}/cwd\n}\naddtask where before do_build\n' }, { base: ONLY_BUILD });
  t.is(bake(dir, ['a']).status, 0);
  t.is(readText(join(tempDir(dir, 'a'), 'cwd')), `${dir}/tmp/work/a/src\n`);
});

test('cleandirs outside TMPDIR is refused', (t) => {
  const dir = runLayer({ a_1: 'do_bad() {\n\t:\n}\ndo_bad[cleandirs] = "${TOPDIR}/conf"\naddtask bad before do_build\n' }, { base: ONLY_BUILD });
  const r = bake(dir, ['a']);
  t.not(r.status, 0);
  t.true(existsSync(join(dir, 'conf/bitbake.conf')), 'nothing outside TMPDIR was deleted');
  t.regex(r.stdout + r.stderr, /outside TMPDIR/);
});

test('lockfiles: tasks holding the same lock never overlap; without it they do run in parallel', (t) => {
  const recipe = (lock: boolean): string =>
    `do_locked() {\n\t${PROBE(lock ? 1 : 3, 3)}\n}\n${lock ? 'do_locked[lockfiles] = "${TMPDIR}/the.lock"\n' : ''}addtask locked before do_build\n`;
  const locked = runLayer({ a_1: recipe(true), b_1: recipe(true), c_1: recipe(true) }, { base: ONLY_BUILD });
  const r = bake(locked, ['a', 'b', 'c']);
  t.is(r.status, 0, r.stderr + r.stdout);
  t.deepEqual(concurrency(locked), [1, 1, 1]);
  // The control shows the layer really runs these tasks at the same time when unlocked.
  const free = runLayer({ a_1: recipe(false), b_1: recipe(false), c_1: recipe(false) }, { base: ONLY_BUILD });
  t.is(bake(free, ['a', 'b', 'c']).status, 0);
  t.deepEqual(concurrency(free), [3, 3, 3]);
});

test('number_threads: never more instances of the task at once than it allows', (t) => {
  const recipe = `do_heavy() {\n\t${PROBE(2, 5)}\n}\ndo_heavy[number_threads] = "2"\naddtask heavy before do_build\n`;
  const names = ['a_1', 'b_1', 'c_1', 'd_1', 'e_1'];
  const dir = runLayer(Object.fromEntries(names.map((n) => [n, recipe])), { base: ONLY_BUILD, conf: 'BB_NUMBER_THREADS = "5"\n' });
  const r = bake(dir, ['a', 'b', 'c', 'd', 'e']);
  t.is(r.status, 0, r.stderr + r.stdout);
  const got = concurrency(dir);
  t.is(got.length, 5);
  t.is(Math.max(...got), 2, `at most 2 at once, and 2 do run together: ${got.join(' ')}`);
});

test('BB_NUMBER_THREADS bounds how many tasks run at once', (t) => {
  const recipe = `do_work() {\n\t${PROBE(2, 5)}\n}\naddtask work before do_build\n`;
  const names = ['a_1', 'b_1', 'c_1', 'd_1', 'e_1'];
  const dir = runLayer(Object.fromEntries(names.map((n) => [n, recipe])), { base: ONLY_BUILD, conf: 'BB_NUMBER_THREADS = "2"\n' });
  const r = bake(dir, ['a', 'b', 'c', 'd', 'e']);
  t.is(r.status, 0, r.stderr + r.stdout);
  const got = concurrency(dir);
  t.is(got.length, 5);
  t.is(Math.max(...got), 2, `at most 2 at once, and 2 do run together: ${got.join(' ')}`);
});

test('umask: the task runs with it', (t) => {
  const dir = runLayer({ a_1: 'do_mask() {\n\tumask > ${T}/umask\n\ttouch ${T}/made\n}\ndo_mask[umask] = "027"\naddtask mask before do_build\n' }, { base: ONLY_BUILD });
  t.is(bake(dir, ['a']).status, 0);
  t.is(readText(join(tempDir(dir, 'a'), 'umask')).trim(), '0027');
  t.is(statSync(join(tempDir(dir, 'a'), 'made')).mode & 0o777, 0o640);
});

test('prefuncs and postfuncs run around the task, in order, in the task’s shell', (t) => {
  const dir = runLayer(
    {
      a_1: [
        'do_main() {\n\techo main >> ${T}/order\n}',
        'do_main[prefuncs] = "pre_one pre_two"',
        'do_main[postfuncs] = "post_one"',
        'pre_one() {\n\techo pre_one >> ${T}/order\n}',
        'pre_two() {\n\techo pre_two >> ${T}/order\n}',
        'post_one() {\n\techo post_one >> ${T}/order\n}',
        'addtask main before do_build',
        '',
      ].join('\n'),
    },
    { base: ONLY_BUILD },
  );
  t.is(bake(dir, ['a']).status, 0);
  t.is(readText(join(tempDir(dir, 'a'), 'order')), 'pre_one\npre_two\nmain\npost_one\n');
});

test('a failing prefunc fails the task before its body runs', (t) => {
  const dir = runLayer(
    { a_1: 'do_main() {\n\ttouch ${T}/main-ran\n}\ndo_main[prefuncs] = "pre_fail"\npre_fail() {\n\tfalse\n}\naddtask main before do_build\n' },
    { base: ONLY_BUILD },
  );
  const r = bake(dir, ['a']);
  t.is(r.status, 1);
  t.false(existsSync(join(tempDir(dir, 'a'), 'main-ran')));
  t.is(stampHash(dir, 'a', 'do_main'), undefined);
});

test('fakeroot: FAKEROOTKEY is set inside, and ownership set by one fakeroot task is seen by a later one', (t) => {
  if (!requireTool(t, hasCommand('fakeroot'), 'fakeroot (Debian package fakeroot)')) return;
  const dir = runLayer(
    {
      a_1: [
        'do_own() {',
        '\techo "key=$FAKEROOTKEY uid=$(id -u)" > ${T}/own.env',
        '\tmkdir -p ${D}',
        '\ttouch ${D}/file',
        '\tchown 1234:5678 ${D}/file',
        '}',
        'do_own[fakeroot] = "1"',
        'addtask own',
        'do_check() {',
        '\tstat -c %u:%g ${D}/file > ${T}/check.owner',
        '}',
        'do_check[fakeroot] = "1"',
        'addtask check after do_own',
        'do_plain() {',
        '\techo "key=${FAKEROOTKEY:-}" > ${T}/plain.env',
        '}',
        'addtask plain',
        '',
      ].join('\n'),
    },
    { base: ONLY_BUILD },
  );
  t.is(bake(dir, ['-c', 'own', 'a']).status, 0);
  t.regex(readText(join(tempDir(dir, 'a'), 'own.env')), /^key=\d+ uid=0\n$/);
  t.true(existsSync(join(dir, 'tmp/work/a/fakeroot.state')));
  // Reset the real owner, so only fakeroot's saved state can report 1234:5678 (as root, the
  // chown inside fakeroot also changed the real file).
  chownSync(join(dir, 'tmp/work/a/image/file'), process.getuid?.() ?? 0, process.getgid?.() ?? 0);
  const r = bake(dir, ['-c', 'check', 'a']);
  t.is(r.status, 0, r.stderr + r.stdout);
  t.deepEqual(started(r.stdout), ['a:do_check'], 'a separate tsbake run: the state came from the file');
  t.is(readText(join(tempDir(dir, 'a'), 'check.owner')), '1234:5678\n');
  t.is(bake(dir, ['-c', 'plain', 'a']).status, 0);
  t.is(readText(join(tempDir(dir, 'a'), 'plain.env')), 'key=\n', 'tasks without [fakeroot] are not under fakeroot');
});

function interfaces(text: string): string[] {
  return text
    .split('\n')
    .slice(2)
    .map((l) => l.split(':')[0]?.trim() ?? '')
    .filter((n) => n !== '');
}

test('network: a task without [network] sees only lo; with it, the host’s interfaces', (t) => {
  const host = interfaces(readFileSync('/proc/net/dev', 'utf8'));
  if (!requireTool(t, host.some((n) => n !== 'lo'), 'a network interface besides lo (the host’s network)')) return;
  const dir = runLayer(
    {
      a_1: [
        'do_offline() {\n\tcat /proc/net/dev > ${T}/offline.net\n}',
        'addtask offline before do_build',
        'do_online() {\n\tcat /proc/net/dev > ${T}/online.net\n}',
        'do_online[network] = "1"',
        'addtask online before do_build',
        '',
      ].join('\n'),
    },
    { base: ONLY_BUILD },
  );
  t.is(bake(dir, ['a']).status, 0);
  const log = readText(join(tempDir(dir, 'a'), 'log.do_offline'));
  if (!requireTool(t, !log.includes('network isolation unavailable'), `network namespaces (unshare, Debian package util-linux): ${log.trim()}`)) return;
  t.deepEqual(interfaces(readText(join(tempDir(dir, 'a'), 'offline.net'))), ['lo']);
  t.deepEqual(interfaces(readText(join(tempDir(dir, 'a'), 'online.net'))).sort(), [...host].sort());
});

test('stamps: one per task that ran or was noexec, none for a task that failed', (t) => {
  const dir = runLayer({ a_1: 'do_ok() {\n\t:\n}\naddtask ok\ndo_bad() {\n\tfalse\n}\naddtask bad after do_ok before do_build\n' }, { base: ONLY_BUILD });
  t.is(bake(dir, ['a']).status, 1);
  t.deepEqual(
    stamps(dir).map((s) => s.replace(/\.[0-9a-f]+$/, '')),
    ['a.do_ok'],
  );
});
