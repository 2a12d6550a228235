import test from 'ava';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCommand, requireTool } from '../../helpers/host-tools.js';
import { bake, command, started } from '../../run/run-layer.js';
import { fixture, packageLayer, pkgdest } from './package-layer.js';

const RECIPES = ['split', 'libdemo', 'app'];
const layerAt = (at?: string): string => packageLayer(Object.fromEntries(RECIPES.map((pn) => [`${pn}_1.0`, fixture(`${pn}_1.0.bb`)])), {}, at);
const gcc = (t: Parameters<typeof requireTool>[0]): boolean => requireTool(t, hasCommand('gcc') && hasCommand('objcopy'), 'gcc and objcopy (Debian packages gcc, binutils)');

function buildOk(dir: string, targets: readonly string[]): string {
  const r = bake(dir, targets);
  if (r.status !== 0) throw new Error(`build failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

test('tsbake pkgdata answers from the package data', (t) => {
  if (!gcc(t)) return;
  const dir = layerAt();
  buildOk(dir, ['app']);
  t.is(command(dir, ['pkgdata', 'find-path', '/usr/lib/libdemo.so.1.0']).stdout, 'libdemo: /usr/lib/libdemo.so.1.0\n');
  t.is(command(dir, ['pkgdata', 'find-path', '/usr/lib/libdemo.so*']).stdout, 'libdemo: /usr/lib/libdemo.so.1\nlibdemo: /usr/lib/libdemo.so.1.0\nlibdemo-dev: /usr/lib/libdemo.so\n');
  t.is(command(dir, ['pkgdata', 'list-pkg-files', 'libdemo-dev']).stdout, 'libdemo-dev:\n\t/usr/lib/libdemo.so\n\t/usr/lib/pkgconfig/libdemo.pc\n');
  t.is(command(dir, ['pkgdata', 'lookup-recipe', 'app-dbg']).stdout, 'app\n');
  t.is(command(dir, ['pkgdata', 'list-pkgs', '-r', 'libdemo']).stdout, 'libdemo\nlibdemo-dbg\nlibdemo-dev\nlibdemo-src\n');
  t.deepEqual(command(dir, ['pkgdata', 'list-pkgs']).stdout.trim().split('\n'), ['app', 'app-dbg', 'app-dev', 'app-src', 'libdemo', 'libdemo-dbg', 'libdemo-dev', 'libdemo-src']);
  const missing = command(dir, ['pkgdata', 'lookup-recipe', 'nosuch']);
  t.is(missing.status, 1);
  t.regex(missing.stderr, /The following packages could not be found: nosuch/);
  const pkgdata = join(dir, 'tmp/pkgdata/qemux86-64');
  t.is(readlinkSync(join(pkgdata, 'runtime-reverse/app')), '../runtime/app.json');
});

test('from shared state, do_package and do_packagedata are restored, not run', (t) => {
  if (!gcc(t)) return;
  const dir = layerAt();
  const first = started(buildOk(dir, ['app']));
  t.true(first.includes('app:do_package') && first.includes('libdemo:do_packagedata'));
  const spec = readFileSync(join(pkgdest(dir, 'app'), 'app.spec.json'), 'utf8');
  rmSync(join(dir, 'tmp'), { recursive: true, force: true });
  const again = started(buildOk(dir, ['app']));
  t.deepEqual(again.filter((s) => /do_package/.test(s)), []);
  t.is(readFileSync(join(pkgdest(dir, 'app'), 'app.spec.json'), 'utf8'), spec);
  t.true(existsSync(join(dir, 'tmp/pkgdata/qemux86-64/runtime/libdemo.json')));
  t.is(readFileSync(join(dir, 'tmp/pkgdata/qemux86-64/shlibs2/libdemo.list'), 'utf8'), 'libdemo.so.1:libdemo:1.0\n');
});

/** Every spec and package-data file of a build, by relative path → sha256. */
function outputs(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (root: string, rel: string): void => {
    for (const name of readdirSync(join(root, rel), { withFileTypes: true })) {
      const r = join(rel, name.name);
      if (name.isDirectory()) walk(root, r);
      else if (name.isFile()) out.set(r, createHash('sha256').update(readFileSync(join(root, r))).digest('hex'));
    }
  };
  for (const pn of RECIPES) {
    for (const name of readdirSync(pkgdest(dir, pn)).filter((n) => n.endsWith('.spec.json'))) {
      out.set(`${pn}/${name}`, createHash('sha256').update(readFileSync(join(pkgdest(dir, pn), name))).digest('hex'));
    }
  }
  walk(join(dir, 'tmp/pkgdata'), '');
  return out;
}

test('the split is reproducible: two build directories with different path lengths give identical specs and package data', (t) => {
  if (!gcc(t)) return;
  const base = mkdtempSync(join(tmpdir(), 'tsbake-repro-'));
  const short = join(base, 'a');
  const long = join(base, 'a-much-longer-build-directory-name', 'and-another-level');
  mkdirSync(short, { recursive: true });
  mkdirSync(long, { recursive: true });
  for (const dir of [layerAt(short), layerAt(long)]) buildOk(dir, RECIPES);
  const a = outputs(short);
  const b = outputs(long);
  t.true(a.size > 20);
  t.deepEqual([...a.entries()], [...b.entries()]);
});
