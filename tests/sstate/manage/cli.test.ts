import test from 'ava';
import { chmodSync, existsSync, lstatSync, lutimesSync, mkdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../../engine/core/package-root.js';
import { addObject, DAY, filesOf, listFiles, makeCache, NOW, objectRel, removeTempDirs, tempDir, tsbakeSstate, writeFile, type FixtureObject } from './cache-fixture.js';

test.after.always(removeTempDirs);

// busybox do_package: three builds; populate_sysroot: two; the license task: two (kept);
// one object per other arch/recipe; a musl build that differs only in PACKAGE_ARCH's OS.
const B1: FixtureObject = { pn: 'busybox', task: 'package', id: 'b1', mtime: NOW - 3 * DAY };
const B2: FixtureObject = { pn: 'busybox', task: 'package', id: 'b2', mtime: NOW - 2 * DAY, pv: '1.1' };
const B3: FixtureObject = { pn: 'busybox', task: 'package', id: 'b3', mtime: NOW - 1 * DAY, pv: '1.2' };
const S1: FixtureObject = { pn: 'busybox', task: 'populate_sysroot', id: 's1', mtime: NOW - 5 * DAY };
const S2: FixtureObject = { pn: 'busybox', task: 'populate_sysroot', id: 's2', mtime: NOW - 4 * DAY };
const L1: FixtureObject = { pn: 'busybox', task: 'populate_lic', id: 'l1', mtime: NOW - 5 * DAY };
const L2: FixtureObject = { pn: 'busybox', task: 'populate_lic', id: 'l2', mtime: NOW - 1 * DAY };
const Q1: FixtureObject = { pn: 'busybox', task: 'package', id: 'q1', mtime: NOW - 9 * DAY, arch: 'qemux86_64' };
const M1: FixtureObject = { pn: 'busybox', task: 'package', id: 'm1', mtime: NOW - 9 * DAY, target: 'core2-64-poky-linux-musl' };
const Z1: FixtureObject = { pn: 'zlib', task: 'package', id: 'z1', mtime: NOW - 9 * DAY };
/** A .siginfo whose archive is gone. */
const O1: FixtureObject = { pn: 'busybox', task: 'package', id: 'o1', mtime: NOW - 8 * DAY, archive: false };
const ALL = [B1, B2, B3, S1, S2, L1, L2, Q1, M1, Z1, O1];
const DUPLICATES = [B1, B2, S1];
const without = (gone: readonly FixtureObject[]): string[] => filesOf(ALL.filter((o) => !gone.includes(o)));

test('-d keeps the newest archive per recipe, arch and task; older ones go with their .siginfo', (t) => {
  const cache = makeCache(ALL);
  const r = tsbakeSstate(['--cache-dir', cache, '--remove-duplicated', '-y']);
  t.is(r.status, 0, r.stderr);
  t.is(r.stdout, `6 out of ${filesOf(ALL).length} files will be removed!\n`);
  t.deepEqual(listFiles(cache), without(DUPLICATES), 'populate_lic, other archs, the musl build and the orphan .siginfo stay');
});

test('the confirmation prompt: y removes, n and end of input keep everything', (t) => {
  for (const [input, removed] of [['y\n', true], ['Y\n', true], ['n\n', false], ['', false]] as const) {
    const cache = makeCache(ALL);
    const r = tsbakeSstate(['--cache-dir', cache, '-d'], { input });
    t.is(r.status, 0, r.stderr);
    t.is(r.stdout, `6 out of ${filesOf(ALL).length} files will be removed!\nDo you want to continue (y/n)?\n`, JSON.stringify(input));
    t.deepEqual(listFiles(cache), removed ? without(DUPLICATES) : filesOf(ALL), JSON.stringify(input));
  }
});

test('--dry-run lists what would go, sorted, and removes nothing', (t) => {
  const cache = makeCache(ALL);
  const r = tsbakeSstate(['--cache-dir', cache, '-d', '--dry-run']);
  t.is(r.status, 0, r.stderr);
  const listed = filesOf(DUPLICATES).map((f) => join(cache, f));
  t.is(r.stdout, `${listed.join('\n')}\n6 out of ${filesOf(ALL).length} files will be removed!\n`);
  t.deepEqual(listFiles(cache), filesOf(ALL));
});

test('-v lists the files and reports the removal; -D explains on stderr', (t) => {
  const cache = makeCache(ALL);
  const r = tsbakeSstate(['--cache-dir', cache, '-d', '-y', '-v', '-D']);
  t.is(r.status, 0, r.stderr);
  t.true(r.stdout.startsWith(filesOf(DUPLICATES).map((f) => `${join(cache, f)}\n`).join('')), r.stdout);
  t.true(r.stdout.endsWith('Removed 6 files.\n'), r.stdout);
  t.regex(r.stderr, /^DEBUG: duplicate: 6 files$/m);
  t.regex(r.stderr, /^DEBUG: walk: \d+ ms$/m);
});

test('--remove-duplicated and --stamps-dir are refused together (exit 2)', (t) => {
  const cache = makeCache(ALL);
  const r = tsbakeSstate(['--cache-dir', cache, '-d', '--stamps-dir', cache, '-y']);
  t.is(r.status, 2);
  t.regex(r.stderr, /^error: --remove-duplicated and --stamps-dir cannot be combined\n {2}hint: /);
  t.deepEqual(listFiles(cache), filesOf(ALL));
});

test('--stamps-dir keeps what stamps, setscene stamps and sigdata name, across several build directories', (t) => {
  const cache = makeCache(ALL);
  const h = (o: FixtureObject): string => objectRel(o).split(':').pop()?.split('_')[0] ?? '';
  const stamps1 = tempDir('stamps');
  const stamps2 = tempDir('stamps');
  const base = 'core2-64-poky-linux/busybox/1.2-r0';
  for (const [dir, name] of [
    [stamps1, `${base}.do_package.${h(B3)}`],
    [stamps1, `${base}.do_populate_sysroot_setscene.${h(S2)}.qemux86_64`],
    [stamps1, `${base}.do_compile.sigbasedata.${h(B1)}`],
    [stamps1, `${base}.do_package.taint`],
    [stamps2, `core2-64-poky-linux/zlib/1.0-r0.do_package.sigdata.${h(Z1)}`],
    [stamps2, `core2-64-poky-linux/busybox/1.0-r0.do_populate_lic_setscene.${h(L1)}`],
  ] as const) {
    writeFile(dir, name, NOW);
  }
  const r = tsbakeSstate(['--cache-dir', cache, '--stamps-dir', stamps1, '--stamps-dir', stamps2, '-y']);
  t.is(r.status, 0, r.stderr);
  t.deepEqual(listFiles(cache), filesOf([B3, S2, Z1, L1]), 'a sigbasedata file names no object');
  const missing = tsbakeSstate(['--cache-dir', cache, '--stamps-dir', join(stamps1, 'nope'), '-y']);
  t.is(missing.status, 2);
  t.regex(missing.stderr, /^error: cannot read the stamps directory .*nope: ENOENT/);
});

test('--remove-orphans removes .siginfo without archive and stale temp files only', (t) => {
  const cache = makeCache(ALL);
  const temp = (name: string, pid: number, age: number): string => {
    const rel = `ab/cd/${name}.tmp-${pid}-1`;
    writeFile(cache, rel, NOW - age);
    return rel;
  };
  const DEAD = 99_999_999; // above any pid_max: no such process
  const deadOld = temp('sstate:a:b:1:r0:b:14:ab12_package.tar.zst', DEAD, 3600);
  const deadFresh = temp('sstate:a:b:1:r0:b:14:ab13_package.tar.zst', DEAD, 60);
  const liveHour = temp('sstate:a:b:1:r0:b:14:ab14_package.tar.zst', process.pid, 3600);
  const liveDays = temp('sstate:a:b:1:r0:b:14:ab15_package.tar.zst.siginfo', process.pid, 2 * DAY);
  writeFile(cache, `top.tmp-${DEAD}-7`, NOW - 3600);
  const r = tsbakeSstate(['--cache-dir', cache, '--remove-orphans', '-y']);
  t.is(r.status, 0, r.stderr);
  t.is(r.stdout, `4 out of ${filesOf(ALL).length + 5} files will be removed!\n`);
  t.deepEqual(listFiles(cache), [...without([O1]), deadFresh, liveHour].sort(), `removed: ${deadOld}, ${liveDays}, top temp, orphan`);
});

test('--older-than removes objects not used for DAYS days', (t) => {
  const cache = makeCache(ALL);
  const r = tsbakeSstate(['--cache-dir', cache, '--older-than', '4.5', '-y']);
  t.is(r.status, 0, r.stderr);
  t.deepEqual(listFiles(cache), without([S1, L1, Q1, M1, Z1, O1]));
});

test('--max-size removes the least recently used objects first until the cache fits', (t) => {
  const kb = new Uint8Array(1000);
  const objs = ['a', 'b', 'c', 'd'].map((id, i): FixtureObject => ({ pn: `p${id}`, task: 'package', id, mtime: NOW - (4 - i) * DAY, content: kb }));
  // d is the newest by mtime but a is used most recently: touched after the others.
  const [a, , , d] = objs as [FixtureObject, FixtureObject, FixtureObject, FixtureObject];
  const cache = makeCache(objs.map((o) => (o === a ? { ...o, mtime: NOW } : o)));
  const r = tsbakeSstate(['--cache-dir', cache, '--max-size', '2K', '-y']);
  t.is(r.status, 0, r.stderr);
  t.deepEqual(listFiles(cache), filesOf([a, d]), '4 × 1002 bytes; b then c go (oldest first) to fit in 2048');
  t.is(tsbakeSstate(['--cache-dir', cache, '--max-size', '1G', '-y']).stdout, '0 out of 4 files will be removed!\n');
});

test('the symlink rules: nothing outside the cache is followed or removed', (t) => {
  const outside = tempDir('outside');
  const cache = makeCache([B3]);
  // Symlinked directories pointing outside, full of old objects: never entered.
  const old: FixtureObject = { pn: 'busybox', task: 'package', id: 'far', mtime: NOW - 30 * DAY };
  addObject(outside, old);
  symlinkSync(outside, join(cache, 'linked'));
  symlinkSync(outside, join(cache, 'sstate:looks-like-an-object.tar.zst'));
  // An old "archive" that is a symlink to a file outside: left alone.
  writeFileSync(join(outside, 'blob'), 'x');
  const outLink = 'ff/ff/sstate:busybox:core2-64-poky-linux:0.9:r0:core2-64:14:ffff01_package.tar.zst';
  mkdirSync(join(cache, 'ff/ff'), { recursive: true });
  symlinkSync(join(outside, 'blob'), join(cache, outLink));
  // An old archive that is a symlink to a file inside the cache: the link goes, not the target.
  const inLink = 'ee/ee/sstate:busybox:core2-64-poky-linux:0.8:r0:core2-64:14:eeee01_package.tar.zst';
  writeFile(cache, 'store/blob', NOW, 'y');
  mkdirSync(join(cache, 'ee/ee'), { recursive: true });
  symlinkSync(join(cache, 'store/blob'), join(cache, inLink));
  lutimesSync(join(cache, inLink), NOW - 10 * DAY, NOW - 10 * DAY);
  const r = tsbakeSstate(['--cache-dir', cache, '-d', '-y', '-D']);
  t.is(r.status, 0, r.stderr);
  t.is(r.stdout, '1 out of 3 files will be removed!\n', 'the inside link is an older duplicate of B3');
  t.regex(r.stderr, /left alone: .*ffff01_package\.tar\.zst: points outside the cache/);
  t.false(existsSync(join(cache, inLink)));
  t.true(existsSync(join(cache, 'store/blob')));
  t.true(lstatSync(join(cache, outLink)).isSymbolicLink());
  t.is(readlinkSync(join(cache, outLink)), join(outside, 'blob'));
  t.deepEqual(listFiles(outside), ['blob', ...filesOf([old])].sort());
  const v = tsbakeSstate(['--cache-dir', cache, '--older-than', '0', '-y']);
  t.is(v.status, 0, v.stderr);
  t.deepEqual(listFiles(outside), ['blob', ...filesOf([old])].sort(), '--older-than 0 does not reach outside either');
});

test('bad options and unreadable directories are clear errors (exit 2)', (t) => {
  const cache = makeCache([B1]);
  const file = join(cache, 'plain-file');
  writeFileSync(file, '');
  const cases: [string[], RegExp][] = [
    [['--cache-dir', cache, '--bogus'], /^error: unknown option '--bogus'\n {2}hint: run tsbake-sstate --help/],
    [['--cache-dir', cache, '-d', '-j', '0'], /^error: -j: '0' is not a number of jobs/],
    [['--cache-dir', cache, '--max-size', '12X'], /^error: --max-size: '12X' is not a size/],
    [['--cache-dir', cache, '--older-than', 'soon'], /^error: --older-than: 'soon' is not a number of days/],
    [['--cache-dir', cache], /^error: nothing to do: give -d, /],
    [['--cache-dir', cache, '-d', 'extra'], /^error: unexpected argument 'extra'/],
    [['--cache-dir', join(cache, 'missing'), '-d'], /^error: cannot read the sstate cache .*missing: ENOENT/],
    [['--cache-dir', file, '-d'], /^error: the sstate cache .*plain-file is not a directory/],
    [['--cache-dir', cache, '--stamps-dir', file], /^error: the stamps directory .*plain-file is not a directory/],
  ];
  for (const [args, message] of cases) {
    const r = tsbakeSstate(args);
    t.is(r.status, 2, args.join(' '));
    t.regex(r.stderr, message);
    t.is(r.stdout, '');
  }
  t.deepEqual(listFiles(cache), [...filesOf([B1]), 'plain-file'].sort());
  t.regex(tsbakeSstate(['--help']).stdout, /^usage: tsbake-sstate/);
});

/** Root reads every directory, so as root the tool runs as nobody to meet an unreadable one. */
const NOBODY = 65534;

test('an unreadable directory in the cache stops everything before any removal', (t) => {
  const cache = makeCache(ALL);
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chmodSync(cache, 0o755);
  const dir = join(cache, objectRel(B1).split('/')[0] ?? '');
  chmodSync(dir, 0o000);
  const r = tsbakeSstate(['--cache-dir', cache, '-d', '-y'], asRoot ? { uid: NOBODY } : {});
  chmodSync(dir, 0o755);
  t.is(r.status, 2);
  t.regex(r.stderr, /cannot read the sstate cache/);
  t.deepEqual(listFiles(cache), filesOf(ALL));
});

test('without --cache-dir: SSTATE_DIR of the build directory; without one, an error naming --cache-dir', (t) => {
  const top = tempDir('build');
  writeFile(top, 'conf/bitbake.conf', NOW, 'SSTATE_DIR = "${TOPDIR}/my-sstate"\n');
  writeFile(top, 'classes/base.bbclass', NOW, '');
  const cache = join(top, 'my-sstate');
  for (const o of ALL) addObject(cache, o);
  const r = tsbakeSstate(['-d', '-y'], { cwd: top, env: { BBPATH: top } });
  t.is(r.status, 0, r.stderr);
  t.deepEqual(listFiles(cache), without(DUPLICATES));
  const none = tsbakeSstate(['-d'], { cwd: tempDir('nobuild') });
  t.is(none.status, 2);
  t.regex(none.stderr, /^error: no build directory in .*\n {2}hint: pass --cache-dir DIR/);
});

test('a cache with many directories and parallel workers gives the same answer as one worker', (t) => {
  const objs: FixtureObject[] = [];
  for (let i = 0; i < 400; i++) objs.push({ pn: `pn${i % 37}`, task: ['package', 'populate_sysroot', 'populate_lic'][i % 3] ?? 'package', id: `x${i}`, mtime: NOW - DAY - ((i * 7919) % 1000) });
  const newest = new Map<string, FixtureObject>();
  for (const o of objs) {
    const key = `${o.pn}/${o.task}`;
    const cur = newest.get(key);
    if (!cur || o.mtime > cur.mtime) newest.set(key, o);
  }
  const expected = filesOf(objs.filter((o) => o.task === 'populate_lic' || newest.get(`${o.pn}/${o.task}`) === o));
  for (const jobs of ['1', '5']) {
    const cache = makeCache(objs);
    const r = tsbakeSstate(['--cache-dir', cache, '-d', '-y', '-j', jobs]);
    t.is(r.status, 0, r.stderr);
    t.deepEqual(listFiles(cache), expected, `-j ${jobs}`);
  }
});

test('Ctrl-C or SIGTERM at the prompt removes nothing and exits 130 or 143', async (t) => {
  for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    const cache = makeCache(ALL);
    const child = spawn(process.execPath, [join(PACKAGE_ROOT, 'dist/sstate/manage/main.js'), '--cache-dir', cache, '-d'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    await new Promise<void>((resolve) =>
      child.stdout.setEncoding('utf8').on('data', (s: string) => {
        stdout += s;
        if (stdout.includes('(y/n)?')) resolve();
      }),
    );
    child.kill(signal);
    t.is(await exited, status, stderr);
    t.regex(stderr, /interrupted/);
    t.deepEqual(listFiles(cache), filesOf(ALL), signal);
  }
});
