import test, { type ExecutionContext } from 'ava';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SNAPSHOT_FILE } from '../../engine/metadata/config-snapshot.js';
import type { DataStore } from '../../engine/metadata/datastore.js';
import { InlinePythonHost } from '../../engine/metadata/inline-python/host.js';
import { PythonWorker } from '../../engine/metadata/python/worker-client.js';
import { MetadataSession } from '../../engine/metadata/session.js';
import { showValue } from '../../engine/metadata/value.js';
import { BASE_CLASS, makeLayer } from '../helpers/layer.js';
import { PN_CONF } from '../helpers/parse-session.js';

/**
 * A build directory (build/) over one layer (meta/): bblayers.conf, layer.conf, bitbake.conf
 * with overrides, weak defaults and an include that does not exist, base.bbclass with a `def`
 * used by `${@}`, an anonymous function and a ConfigParsed handler, and an INHERIT class.
 */
function layer(): string {
  const files: Record<string, string> = {
    'build/conf/bblayers.conf': 'BBPATH = "${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "${TOPDIR}/../meta"\n',
    'build/conf/local.conf': 'MACHINE = "m1"\ninclude conf/optional.conf\nINHERIT += "extra"\nB ??= "weak"\n',
    'meta/conf/layer.conf':
      'BBPATH .= ":${LAYERDIR}"\nBBFILES += "${LAYERDIR}/recipes-*/*/*.bb"\nBBFILE_COLLECTIONS += "test"\nBBFILE_PATTERN_test = "^${LAYERDIR}/"\nBBFILE_PRIORITY_test = "5"\n',
    'meta/conf/bitbake.conf': [
      'CACHE = "${TOPDIR}/cache"',
      PN_CONF.trimEnd(),
      'include conf/local.conf',
      'OVERRIDES = "mach-${MACHINE}:${CLASSOVERRIDE}"',
      'CLASSOVERRIDE ?= "class-target"',
      'A = "a"',
      'A:append:mach-m1 = " am"',
      'H = "${@helper(d)}"',
      'FOO = "${@d.getVar(\'FOO_ENV\') or \'none\'}"',
      'IMMEDIATE := "${A}-${B}"',
      '',
    ].join('\n'),
    'meta/classes/base.bbclass': `${BASE_CLASS}def helper(d):\n    return "h-" + d.getVar("MACHINE")\n\npython () {\n    d.setVar('ANON', 'ran-' + d.getVar('PN'))\n}\naddhandler cfg_handler\ncfg_handler[eventmask] = "bb.event.ConfigParsed"\npython cfg_handler() {\n    d.setVar('FROM_HANDLER', 'yes-' + d.getVar('MACHINE'))\n}\n`,
    'meta/classes/extra.bbclass': 'EXTRA = "extra-1"\ndef extra_fn(d):\n    return "x-" + d.getVar("EXTRA")\n',
    'meta/recipes-x/r/r_1.0.bb': 'R = "${@helper(d)}/${@extra_fn(d)}"\nDEPENDS = "${A}"\n',
  };
  return makeLayer(files);
}

/** A clock well past every file's times, so that the fixture's fresh files may be vouched for. */
const LATER = Date.now() + 3_600_000;

function open(dir: string, env: Readonly<Record<string, string>> = {}): MetadataSession {
  const python = new InlinePythonHost(new PythonWorker());
  return MetadataSession.open({
    cwd: join(dir, 'build'),
    env: { HOME: process.env['HOME'], PATH: process.env['PATH'], ...env },
    storeEnv: { python, tracking: false },
    snapshot: { key: ['test'], now: LATER },
  });
}

/** Every variable of `store` as getvar shows it, value and flags, in keys() order. */
function everything(store: DataStore): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const key of store.keys()) {
    let shown: string;
    try {
      const v = store.getVar(key);
      const flags = [...(store.getVarFlags(key) ?? new Map())].map(([f, fv]) => `${f}=${showValue(fv)}`).sort();
      shown = `${v === undefined || v === null ? '<unset>' : showValue(v)} [${flags.join(',')}]`;
    } catch (e) {
      shown = `error: ${e instanceof Error ? e.message : String(e)}`;
    }
    out.push([key, shown]);
  }
  return out;
}

function recipe(session: MetadataSession, dir: string): DataStore {
  const store = session.parseRecipe(join(dir, 'meta/recipes-x/r/r_1.0.bb'))[0]?.store;
  if (!store) throw new Error('no recipe store');
  return store;
}

const write = (dir: string, rel: string, text: string): void => {
  mkdirSync(dirname(join(dir, rel)), { recursive: true });
  writeFileSync(join(dir, rel), text);
};

/** A cold session (parsed, snapshot saved), then a session that must come from the snapshot. */
function warm(t: ExecutionContext, dir: string, env: Readonly<Record<string, string>> = {}): MetadataSession {
  t.false(open(dir, env).fromSnapshot, 'the first run parses');
  t.true(existsSync(join(dir, 'build', 'cache', SNAPSHOT_FILE)), 'the first run saves a snapshot');
  const again = open(dir, env);
  t.true(again.fromSnapshot, 'an unchanged configuration comes from the snapshot');
  return again;
}

test('a configuration from the snapshot gives every value, flag and key order a parse gives, in config and recipe', (t) => {
  const dir = layer();
  const parsed = open(dir);
  t.false(parsed.fromSnapshot);
  const loaded = open(dir);
  t.true(loaded.fromSnapshot);
  t.deepEqual(everything(loaded.config.store), everything(parsed.config.store));
  t.is(loaded.config.store.getVar('FROM_HANDLER'), 'yes-m1', 'what the ConfigParsed handler set is kept');
  t.deepEqual([loaded.config.topdir, loaded.config.bblayersConf, loaded.config.layers], [parsed.config.topdir, parsed.config.bblayersConf, parsed.config.layers]);
  // Recipes use the configuration's Python definitions and run base.bbclass's anonymous function.
  const fromParsed = recipe(parsed, dir);
  const fromLoaded = recipe(loaded, dir);
  t.is(fromLoaded.getVar('R'), 'h-m1/x-extra-1');
  t.is(fromLoaded.getVar('ANON'), 'ran-r');
  t.deepEqual(everything(fromLoaded), everything(fromParsed));
});

const changes: ReadonlyArray<readonly [string, (dir: string) => void, string, string]> = [
  ['an edited conf/local.conf', (d) => write(d, 'build/conf/local.conf', 'MACHINE = "m2"\nINHERIT += "extra"\n'), 'H', 'h-m2'],
  ['an include that did not exist and now does', (d) => write(d, 'build/conf/optional.conf', 'OPT = "1"\n'), 'OPT', '1'],
  ['an edited INHERIT class', (d) => write(d, 'meta/classes/extra.bbclass', 'EXTRA = "extra-2"\n'), 'EXTRA', 'extra-2'],
  ['a class that appears earlier on BBPATH', (d) => write(d, 'build/classes/extra.bbclass', 'EXTRA = "shadow"\n'), 'EXTRA', 'shadow'],
  ['an edited base.bbclass', (d) => write(d, 'meta/classes/base.bbclass', `${BASE_CLASS}def helper(d):\n    return "h"\nBASEV = "2"\n`), 'BASEV', '2'],
  ['an edited layer.conf', (d) => write(d, 'meta/conf/layer.conf', 'BBPATH .= ":${LAYERDIR}"\nBBFILES += "${LAYERDIR}/recipes-*/*/*.bb"\nLAYERV = "1"\n'), 'LAYERV', '1'],
  ['a bitbake.conf that appears in the build directory', (d) => write(d, 'build/conf/bitbake.conf', 'CACHE = "${TOPDIR}/cache"\ninclude conf/local.conf\nA = "build-conf"\n'), 'A', 'build-conf'],
];

for (const [what, change, variable, expected] of changes) {
  test(`${what} invalidates the snapshot`, (t) => {
    const dir = layer();
    warm(t, dir);
    change(dir);
    const after = open(dir);
    t.false(after.fromSnapshot);
    t.is(after.config.store.getVar(variable), expected);
    t.true(open(dir).fromSnapshot, 'the new configuration is saved in turn');
  });
}

test('a file that configuration Python read, or a directory it listed, invalidates the snapshot when it changes', (t) => {
  const dir = layer();
  write(dir, 'build/conf/local.conf', 'MACHINE = "m1"\nINHERIT += "extra hostread"\n');
  write(dir, 'meta/classes/hostread.bbclass', [
    'addhandler hostread_handler',
    'hostread_handler[eventmask] = "bb.event.ConfigParsed"',
    'python hostread_handler() {',
    '    import os',
    "    with open(d.getVar('TOPDIR') + '/host.txt') as f:",
    "        d.setVar('HOSTFILE', f.read().strip())",
    "    d.setVar('HOSTDIR', ' '.join(sorted(os.listdir(d.getVar('TOPDIR') + '/hostdir'))))",
    '}',
    '',
  ].join('\n'));
  write(dir, 'build/host.txt', 'one\n');
  write(dir, 'build/hostdir/a', '');
  t.is(warm(t, dir).config.store.getVar('HOSTFILE'), 'one');
  write(dir, 'build/host.txt', 'two, longer\n');
  const edited = open(dir);
  t.false(edited.fromSnapshot);
  t.is(edited.config.store.getVar('HOSTFILE'), 'two, longer');
  t.true(open(dir).fromSnapshot);
  write(dir, 'build/hostdir/b', '');
  const listed = open(dir);
  t.false(listed.fromSnapshot);
  t.is(listed.config.store.getVar('HOSTDIR'), 'a b');
});

test('a removed include invalidates the snapshot', (t) => {
  const dir = layer();
  write(dir, 'build/conf/optional.conf', 'OPT = "1"\n');
  t.is(warm(t, dir).config.store.getVar('OPT'), '1');
  rmSync(join(dir, 'build/conf/optional.conf'));
  const after = open(dir);
  t.false(after.fromSnapshot);
  t.is(after.config.store.getVar('OPT'), undefined);
});

test('a change in the passed-through environment invalidates the snapshot', (t) => {
  const dir = layer();
  const env = { BB_ENV_PASSTHROUGH_ADDITIONS: 'FOO_ENV', FOO_ENV: '1' };
  t.is(warm(t, dir, env).config.store.getVar('FOO'), '1');
  const changed = open(dir, { ...env, FOO_ENV: '2' });
  t.false(changed.fromSnapshot);
  t.is(changed.config.store.getVar('FOO'), '2');
  const dropped = open(dir);
  t.false(dropped.fromSnapshot, 'without the variable at all');
  t.is(dropped.config.store.getVar('FOO'), 'none');
});

test('a variable outside the passed-through environment does not invalidate the snapshot', (t) => {
  const dir = layer();
  warm(t, dir);
  t.true(open(dir, { UNRELATED: 'x' }).fromSnapshot);
});

test('a configuration without CACHE saves no snapshot', (t) => {
  const dir = layer();
  write(dir, 'meta/conf/bitbake.conf', 'include conf/local.conf\nA = "a"\n');
  t.false(open(dir).fromSnapshot);
  t.false(existsSync(join(dir, 'build', 'cache', SNAPSHOT_FILE)));
  t.false(open(dir).fromSnapshot);
});

test('a damaged snapshot is parsed over', (t) => {
  const dir = layer();
  warm(t, dir);
  writeFileSync(join(dir, 'build', 'cache', SNAPSHOT_FILE), 'not a snapshot');
  const after = open(dir);
  t.false(after.fromSnapshot);
  t.is(after.config.store.getVar('H'), 'h-m1');
});

test('files written too recently to be vouched for by their stat give no snapshot', (t) => {
  const dir = layer();
  const python = new InlinePythonHost(new PythonWorker());
  const session = (): MetadataSession =>
    MetadataSession.open({ cwd: join(dir, 'build'), env: { HOME: process.env['HOME'] }, storeEnv: { python, tracking: false }, snapshot: { key: ['test'], now: Date.now() } });
  t.false(session().fromSnapshot);
  t.false(existsSync(join(dir, 'build', 'cache', SNAPSHOT_FILE)));
});
