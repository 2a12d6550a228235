/**
 * do_fetch, do_unpack and do_patch as the TypeScript builtins their python stubs in
 * base.bbclass bind to (cli/builtins.ts registers them).
 */
import { asText } from '../metadata/datastore.js';
import type { BuiltinContext, TaskBuiltin } from '../run/builtin.js';
import { fetchAll, fetchSettings } from './fetcher.js';
import { applyPatches } from './patch.js';
import { unpackAll } from './unpack.js';

/** Variables host tools see besides the task environment (BitBake's FETCH_EXPORT_VARS, in part). */
const TOOL_VARS = ['PATH', 'HOME', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'GIT_SSL_CAINFO', 'GIT_CONFIG_GLOBAL', 'http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'no_proxy', 'NO_PROXY'];

/** The environment git, tar and patch run with: the task's, plus the datastore's PATH and friends. */
function toolEnv(ctx: BuiltinContext): Record<string, string> {
  const env: Record<string, string> = { ...ctx.env, LC_ALL: 'C' };
  for (const name of TOOL_VARS) {
    const v = asText(ctx.store.getVar(name));
    if (v) env[name] = v;
  }
  env['PATH'] ??= '/usr/bin:/bin';
  return env;
}

const doFetch: TaskBuiltin = (ctx: BuiltinContext) => {
  const env = toolEnv(ctx);
  return fetchAll({ settings: fetchSettings(ctx.store, env), store: ctx.store, log: ctx.log, progress: ctx.progress, signal: ctx.signal, env });
};

const doUnpack: TaskBuiltin = (ctx: BuiltinContext) => unpackAll({ store: ctx.store, log: ctx.log, signal: ctx.signal, env: toolEnv(ctx) });

const doPatch: TaskBuiltin = (ctx: BuiltinContext) => applyPatches({ store: ctx.store, log: ctx.log, signal: ctx.signal, env: toolEnv(ctx) });

/** The fetcher's task builtins, by task name. */
export const FETCH_BUILTINS: ReadonlyArray<readonly [string, TaskBuiltin]> = [
  ['do_fetch', doFetch],
  ['do_unpack', doUnpack],
  ['do_patch', doPatch],
];
