/**
 * `tsbake -e`: every variable like `bitbake -e`, each preceded by its history (file:line and
 * operation) and pre-expansion value; shell functions as functions; python functions last.
 */
import { asText, type DataStore } from './datastore.js';
import { showValue, type Value } from './value.js';

function truthy(v: Value | undefined): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (typeof v === 'string') return !['0', 'n', 'no', 'false'].includes(v.toLowerCase());
  return true;
}

function comment(text: string): string {
  return text.replace(/\n/g, '\n#     ');
}

function historyBlock(store: DataStore, name: string, raw: Value | undefined): string {
  const events = [...store.history(name)];
  for (const [variant, override] of store.variantsOf(name)) {
    for (const e of store.history(variant)) {
      if (e.flag !== undefined && !e.flag.startsWith('_') && !e.flag.startsWith(':')) continue;
      events.push({ ...e, op: `override[${override}]:${e.op}` });
    }
  }
  const pre = asText(raw).replace(/\n/g, '\n#');
  if (events.length === 0) return `#\n# $${name}\n#   [no history recorded]\n#\n#   "${pre}"\n`;
  let out = events.length === 1 ? `#\n# $${name}\n` : `#\n# $${name} [${events.length} operations]\n`;
  for (const e of events) {
    const flag = e.flag !== undefined ? `[${e.flag}] ` : '';
    out += `#   ${e.op} ${e.file}:${e.line}\n#     ${flag}"${comment(e.detail)}"\n`;
  }
  if (events.length > 1) out += `# pre-expansion value:\n#   "${pre}"\n`;
  return out;
}

/** `NAME="value"` as BitBake writes it for a shell (quotes, backticks, newlines and `$` escaped). */
export function shellAssignment(name: string, value: string, exported: boolean): string {
  const quoted = value.replace(/"/g, '\\"').replace(/`/g, '\\`').replace(/\n/g, ' \\\n').replace(/\$/g, '\\$');
  return `${exported ? 'export ' : ''}${name}="${quoted}"\n`;
}

export function shellFunction(name: string, body: string): string {
  return `${name}() {\n${body.replace(/\n+$/, '')}\n}\n`;
}

function emitVar(store: DataStore, name: string, withHistory: boolean): string {
  const func = store.getVarFlag(name, 'func', false);
  if (truthy(store.getVarFlag(name, 'python', false)) && truthy(func)) return '';
  const exported = truthy(store.getVarFlag(name, 'export'));
  const unexported = truthy(store.getVarFlag(name, 'unexport'));
  let raw: Value | undefined;
  let value: Value | undefined;
  try {
    raw = store.getVar(name, false);
    value = store.getVar(name);
  } catch (e) {
    return `# expansion of ${name} threw ${e instanceof Error ? e.name : 'Error'}: ${e instanceof Error ? e.message : String(e)}\n`;
  }
  let out = withHistory ? historyBlock(store, name, raw) : '';
  if (unexported) return `${out}unset ${name}\n`;
  if (value === undefined || value === null) return out;
  const text = asText(value);
  if (truthy(func)) {
    out += `# line: ${asText(store.getVarFlag(name, 'lineno', false))}, file: ${asText(store.getVarFlag(name, 'filename', false))}\n`;
    return out + shellFunction(name, text);
  }
  return out + shellAssignment(name, text, exported);
}

export function emitEnvironment(store: DataStore): string {
  const keys = store.keys().filter((k) => !k.startsWith('__'));
  const isFunc = (k: string): boolean => truthy(store.getVarFlag(k, 'func', false));
  const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  const plain = keys.filter((k) => !isFunc(k)).sort(byName);
  const funcs = keys.filter(isFunc).sort(byName);
  let out = '';
  for (const k of plain) out += emitVar(store, k, true);
  for (const k of funcs) {
    const text = emitVar(store, k, false);
    if (text) out += text + '\n';
  }
  // logger.plain ends the variables-and-shell-functions block with a newline of its own.
  out += '\n';
  // Every key here, `__anon_*` functions included, as cooker.showEnvironment lists them.
  for (const k of store.keys().sort(byName)) {
    // A python function with no body of its own (only `python f:prepend () {`) shows as None, as in BitBake.
    if (isFunc(k) && truthy(store.getVarFlag(k, 'python', false))) out += `\npython ${k} () {\n${showValue(store.getVar(k, false) ?? null)}}\n\n`;
  }
  return out;
}
