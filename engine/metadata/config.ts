/**
 * The configuration datastore, built as BitBake's cookerdata builds it: approved environment
 * variables, conf/bblayers.conf, each layer's conf/layer.conf (LAYERDIR frozen into values),
 * layer series checks, BBFILES_DYNAMIC, conf/bitbake.conf found on BBPATH, then base.bbclass
 * and every INHERIT class.
 */
import { resolve as resolvePath } from 'node:path';
import { LayerError, MissingFileError, ParseError } from '../core/errors.js';
import { asText, DataStore, type StoreEnv } from './datastore.js';
import { Evaluator, includedFiles, rebaseDepends, type MetadataSource } from './evaluate.js';
import { fireEvent } from './events.js';
import { expandKeys } from './finalise.js';
import { dirname, joinPath } from './locate.js';
import { pythonEscape } from './pyregex.js';
import { pySplit } from './pystr.js';

/** Environment variables BitBake copies into the datastore (and which of them it exports). */
const EXPORTED_ENV = ['BB_TASKHASH', 'HOME', 'LOGNAME', 'PATH', 'PWD', 'SHELL', 'USER', 'LC_ALL', 'BBSERVER'];
const PRESERVED_ENV = ['BBPATH', 'BB_PRESERVE_ENV', 'BB_ENV_PASSTHROUGH_ADDITIONS', ...EXPORTED_ENV];

export type Environment = Readonly<Record<string, string | undefined>>;

export function approvedEnvironment(env: Environment): string[] {
  if (env['BB_PRESERVE_ENV'] !== undefined) return Object.keys(env);
  const approved = env['BB_ENV_PASSTHROUGH'] !== undefined ? [...pySplit(env['BB_ENV_PASSTHROUGH']), 'BB_ENV_PASSTHROUGH'] : [...PRESERVED_ENV];
  const extra = env['BB_ENV_PASSTHROUGH_ADDITIONS'];
  if (extra !== undefined) {
    approved.push(...pySplit(extra));
    if (!approved.includes('BB_ENV_PASSTHROUGH_ADDITIONS')) approved.push('BB_ENV_PASSTHROUGH_ADDITIONS');
  }
  return approved;
}

/** The approved environment's variables that are set, as [name, value]. */
export function approvedPairs(env: Environment): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const name of approvedEnvironment(env)) {
    const value = env[name];
    if (value !== undefined) out.push([name, value]);
  }
  return out;
}

export interface ConfigInputs {
  readonly env: Environment;
  readonly cwd: string;
  readonly files: MetadataSource;
  readonly storeEnv: StoreEnv;
}

export interface Configuration {
  /** The configuration as recipes start from it (`__bbclasstype` is "recipe"). */
  readonly store: DataStore;
  readonly topdir: string;
  readonly bblayersConf: string | undefined;
  /** BBLAYERS as parsed, trailing slashes removed. */
  readonly layers: readonly string[];
  readonly evaluator: Evaluator;
}

/** Where conf/<name> is: under a BBPATH entry, else in the current directory or a parent. */
export function findConfigFile(name: string, bbpath: string | undefined, cwd: string, exists: (p: string) => boolean): string | undefined {
  const search: string[] = [];
  if (bbpath) for (const dir of bbpath.split(':')) search.push(joinPath(joinPath(dir, 'conf'), name));
  for (let dir = cwd; dir !== '/'; dir = dirname(dir) || '/') search.push(`${dir}/conf/${name}`);
  return search.find(exists);
}

export function parseConfiguration(inputs: ConfigInputs): Configuration {
  const { env, files } = inputs;
  const evaluator = new Evaluator(files);
  const base = new DataStore(inputs.storeEnv);
  for (const name of approvedEnvironment(env)) {
    const value = env[name];
    if (value === undefined) continue;
    base.setVar(name, value, { op: 'from env', where: { file: 'environment', line: 0 } });
    if (EXPORTED_ENV.includes(name)) base.setVarFlag(name, 'export', true);
  }
  base.setVar('__bbclasstype', 'global');
  let data = base.createCopy();
  data.setVar('BB_CURRENT_MC', '');

  const bblayersConf = findConfigFile('bblayers.conf', asText(data.getVar('BBPATH')) || undefined, inputs.cwd, (p) => files.exists(p));
  let layers: string[] = [];
  if (bblayersConf) {
    data.setVar('TOPDIR', dirname(dirname(bblayersConf)));
    evaluator.handle(bblayersConf, data, true, true);
    if (!data.getVar('BB_CACHEDIR')) data.setVar('BB_CACHEDIR', '${TOPDIR}/cache');
    layers = pySplit(asText(data.getVar('BBLAYERS')));
    if (layers.length === 0) throw new LayerError("the bblayers.conf file doesn't contain any BBLAYERS definition", { file: bblayersConf, line: 0 });
    data = data.createCopy();
    layers = layers.map((l) => l.replace(/^~(?=\/|$)/, env['HOME'] ?? '~').replace(/\/+$/, ''));
    const broken = layers.filter((l) => !files.exists(l));
    if (broken.length) throw new LayerError(`these layer directories do not exist: ${broken.join(' ')}`, { file: bblayersConf, line: 0 }, 'check BBLAYERS');
    parseLayers(layers, data, evaluator);
  }
  if (!data.getVar('BBPATH')) {
    throw new LayerError(
      bblayersConf ? 'the BBPATH variable is not set' : 'the BBPATH variable is not set and no conf/bblayers.conf was found',
      undefined,
      'run from a build directory, or set BBPATH',
    );
  }
  if (!data.getVar('TOPDIR')) data.setVar('TOPDIR', resolvePath(inputs.cwd));
  if (!data.getVar('BB_CACHEDIR')) data.setVar('BB_CACHEDIR', '${TOPDIR}/cache');
  try {
    evaluator.handle('conf/bitbake.conf', data, true, true);
  } catch (e) {
    if (e instanceof MissingFileError) throw new LayerError(`conf/bitbake.conf not found along BBPATH (${asText(data.getVar('BBPATH'))})`, undefined, 'one layer must provide conf/bitbake.conf');
    throw e;
  }
  for (const cls of ['base', ...pySplit(asText(data.getVar('INHERIT')))]) {
    evaluator.inherit(cls, { file: 'configuration INHERITs', line: 0 }, data, false);
  }
  data.setVar('BBINCLUDED', includedFiles(data));
  fireEvent(data, 'ConfigParsed', asText(data.getVar('FILE', false)));
  fireEvent(data, 'MultiConfigParsed', '');
  checkRenamedVariables(data);
  hashConfiguration(data);
  const store = data.createCopy();
  rebaseDepends(store);
  store.setVar('__bbclasstype', 'recipe');
  return { store: store.createCopy(), topdir: asText(store.getVar('TOPDIR')), bblayersConf, layers, evaluator };
}

/** As BitBake after ConfigParsed: a renamed variable that is still set fails the configuration. */
function checkRenamedVariables(data: DataStore): void {
  const first = data.renamedInUse()[0];
  if (first === undefined) return;
  const error = data.renameError;
  throw new ParseError(error?.message ?? `Variable ${first} has been renamed (BB_RENAMED_VARIABLES)`, error?.where, error?.hint ?? 'use the new name');
}

/**
 * BitBake hashes the parsed configuration (DataSmart.get_hash): on a key-expanded copy it
 * reads every variable unexpanded and the `vardepvalue` flags expanded. An unexpanded read
 * still expands an active override variant (to carry its :remove), so a reference cycle or a
 * failing `${@...}` there fails the whole configuration. The hash itself is not needed here.
 */
function hashConfiguration(data: DataStore): void {
  const d = data.createCopy();
  expandKeys(d);
  const ignored = new Set(pySplit(asText(d.getVar('BB_HASHCONFIG_IGNORE_VARS'))));
  for (const key of d.keys()) {
    if (key.startsWith('__') || ignored.has(key)) continue;
    d.getVar(key, false);
    d.getVarFlags(key, ['vardepvalue'], true);
  }
}

/** Each layer.conf with LAYERDIR set, then frozen into values; series and BBFILES_DYNAMIC. */
function parseLayers(layers: readonly string[], data: DataStore, evaluator: Evaluator): void {
  let series: Set<string> | undefined;
  const compat = new Map<string, Set<string>>();
  for (const layer of layers) {
    data.setVar('LAYERDIR', layer);
    data.setVar('LAYERDIR_RE', pythonEscape(layer));
    evaluator.handle(`${layer}/conf/layer.conf`, data, true, true);
    data.expandVarref('LAYERDIR');
    data.expandVarref('LAYERDIR_RE');
    for (const c of pySplit(asText(data.getVar('BBFILE_COLLECTIONS')))) {
      const entry = asText(data.getVar(`LAYERSERIES_COMPAT_${c}`));
      if (entry) {
        compat.set(c, new Set(pySplit(entry)));
        data.delVar(`LAYERSERIES_COMPAT_${c}`);
      }
    }
    if (!series || series.size === 0) {
      series = new Set(pySplit(asText(data.getVar('LAYERSERIES_CORENAMES'))));
      if (series.size) data.delVar('LAYERSERIES_CORENAMES');
    }
  }
  data.delVar('LAYERDIR_RE');
  data.delVar('LAYERDIR');
  for (const [c, names] of compat) data.setVar(`LAYERSERIES_COMPAT_${c}`, [...names].sort(byCodePoint).join(' '));

  const collections = pySplit(asText(data.getVar('BBFILE_COLLECTIONS')));
  const invalid: string[] = [];
  for (const entry of pySplit(asText(data.getVar('BBFILES_DYNAMIC')))) {
    const colon = entry.indexOf(':');
    if (colon < 0) {
      invalid.push(entry);
      continue;
    }
    let layer = entry.slice(0, colon);
    const pattern = entry.slice(colon + 1);
    const invert = layer.startsWith('!');
    if (invert) layer = layer.slice(1);
    if (collections.includes(layer) !== invert) data.appendVar('BBFILES', ` ${pattern}`);
  }
  if (invalid.length) throw new LayerError(`BBFILES_DYNAMIC entries must be of the form {!}<collection name>:<filename pattern>, not: ${invalid.join(' ')}`);
  const seen = new Set<string>();
  for (const c of collections) {
    if (seen.has(c)) throw new LayerError(`found duplicated BBFILE_COLLECTIONS '${c}'`, undefined, 'check bblayers.conf and layer.conf');
    seen.add(c);
    const want = compat.get(c);
    if (!want) continue;
    if (!series || series.size === 0) throw new LayerError(`no core layer found to work with layer '${c}'`, undefined, 'is a core layer missing from BBLAYERS?');
    if (![...want].some((w) => series?.has(w))) {
      throw new LayerError(
        `layer ${c} is not compatible with the core layer which only supports these series: ${[...series].join(' ')} (layer is compatible with ${[...want].join(' ')})`,
      );
    }
  }
  data.setVar('LAYERSERIES_CORENAMES', [...(series ?? [])].sort(byCodePoint).join(' '));
}

export const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
