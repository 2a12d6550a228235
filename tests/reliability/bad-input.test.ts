/**
 * What a careless or hostile user types: wrong options, output paths that cannot be written,
 * include loops, recipe names that would split into other paths, control bytes, a task that
 * removes its own ${T}. Each gives a one-line error (exit 2) or works, never a JavaScript
 * stack, and nothing is written outside the build.
 */
import test from 'ava';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bake, command, runLayer } from '../run/run-layer.js';

const ONLY_BUILD = 'do_build[noexec] = "1"\naddtask build\n';
const STACK = /\n\s+at |TypeError|RangeError|ERR_PARSE_ARGS/;
const simple = (): string => runLayer({ a_1: 'do_compile() {\n\ttrue\n}\naddtask compile before do_build\n' }, { base: ONLY_BUILD });

for (const args of [['--bogus', 'a'], ['-c'], ['a', '-c'], ['getvar', '--flag'], ['getvar', '--nope', 'PN'], ['buildstats', '--svg']]) {
  test(`tsbake ${args.join(' ')}: one usage error, exit 2`, (t) => {
    const r = command(simple(), args);
    t.is(r.status, 2);
    t.notRegex(r.stderr, STACK);
    t.regex(r.stderr, /^error: .*\n  hint: usage: tsbake/);
  });
}

test('--log-json into a directory or a missing directory fails before the build, creating nothing', (t) => {
  const dir = simple();
  const missing = join(mkdtempSync(join(tmpdir(), 'tsbake-none-')), 'no/such');
  for (const target of ['/etc', join(missing, 'log.json')]) {
    const r = bake(dir, ['--log-json', target, 'a']);
    t.is(r.status, 2, r.stderr);
    t.notRegex(r.stderr, STACK);
    t.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    t.false(existsSync(join(dir, 'tmp/stamps')), 'nothing was built');
  }
  t.false(existsSync(missing));
});

test('buildstats --svg into a file path or a missing directory is a one-line error', (t) => {
  const dir = simple();
  t.is(bake(dir, ['a']).status, 0);
  const missing = join(mkdtempSync(join(tmpdir(), 'tsbake-none-')), 'nonexistent');
  for (const target of ['/etc/passwd/x.svg', join(missing, 'x.svg'), '/etc']) {
    const r = command(dir, ['buildstats', '--svg', target]);
    t.is(r.status, 2, r.stderr);
    t.notRegex(r.stderr, STACK);
  }
  t.false(existsSync(missing));
});

test('include loops name every include line', (t) => {
  const recipes = { inc_1: 'require a.inc\n' };
  const dir = runLayer(recipes, { base: ONLY_BUILD, extra: { 'recipes/a.inc': 'X = "1"\ninclude b.inc\n', 'recipes/b.inc': 'include a.inc\n' } });
  const r = command(dir, ['getvar', '-r', 'inc', 'X']);
  t.is(r.status, 2);
  t.notRegex(r.stderr, STACK);
  t.regex(r.stderr, /b\.inc:1: error: include loop: .*a\.inc includes itself/);
  t.regex(r.stderr, /inc_1\.bb:1 includes .*a\.inc\n.*a\.inc:2 includes .*b\.inc\n.*b\.inc:1 includes .*a\.inc/);
});

test('a recipe that includes itself, and a configuration file that does', (t) => {
  const dir = runLayer({ self_1: 'include self_1.bb\n' }, { base: ONLY_BUILD });
  const r = command(dir, ['-p']);
  t.is(r.status, 2);
  t.regex(r.stderr, /self_1\.bb:1: error: include loop/);
  const conf = runLayer({}, { base: ONLY_BUILD, conf: 'include conf/local.conf\n', extra: { 'conf/local.conf': 'include conf/local.conf\n' } });
  const c = command(conf, ['getvar', 'TMPDIR']);
  t.is(c.status, 2);
  t.regex(c.stderr, /local\.conf:1: error: include loop/);
  t.notRegex(c.stderr, STACK);
});

test('a recipe name with whitespace is refused at parse time, and nothing lands in the current directory', (t) => {
  const dir = runLayer({ 'my recipe_1.0': 'do_compile() {\n\techo x > out.txt\n}\naddtask compile before do_build\n' }, { base: ONLY_BUILD });
  const before = readdirSync(dir).sort();
  const r = bake(dir, ['my recipe']);
  t.not(r.status, 0);
  t.regex(r.stderr, /my recipe_1\.0\.bb: error: PN "my recipe" contains whitespace/);
  t.deepEqual(readdirSync(dir).filter((n) => !before.includes(n) && n !== 'cache'), []);
});

test('control bytes from a garbage recipe are escaped in messages', (t) => {
  const dir = runLayer({ junk_1: 'A = "x"\n\x1b[31mgarbage\x07 here\n' }, { base: ONLY_BUILD });
  const r = command(dir, ['-p']);
  t.is(r.status, 2);
  t.false(/[\x00-\x08\x0b-\x1f\x7f]/.test(r.stderr), JSON.stringify(r.stderr));
  t.regex(r.stderr, /\\x1b/);
});

test('a task that removes its own ${T} does not break the next task', (t) => {
  const dir = runLayer({ tdel_1: 'do_compile() {\n\trm -rf ${T}\n}\naddtask compile\ndo_install() {\n\ttrue\n}\naddtask install after do_compile before do_build\n' }, { base: ONLY_BUILD });
  const r = bake(dir, ['tdel']);
  t.is(r.status, 0, r.stdout + r.stderr);
});
