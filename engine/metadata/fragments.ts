/**
 * `addfragments PREFIX VAR METAVARS BUILTINS` (BitBake 2.19's AddFragmentsNode): each entry
 * `layer/name` of VAR includes `<layer dir>/PREFIX/name.conf` from the layer whose collection
 * is `layer`; a built-in entry (`machine/qemux86-64`, with BUILTINS = "machine:MACHINE ...")
 * sets its variable instead. After each fragment, the METAVARS it set move into flags named
 * after the fragment.
 */
import { ParseError, type SourceLocation } from '../core/errors.js';
import type { AddFragments } from './ast.js';
import { asText, type DataStore } from './datastore.js';
import { joinPath } from './locate.js';
import { pythonMatch, pythonRegex } from './pyregex.js';
import { pySplit } from './pystr.js';

export interface FragmentIo {
  exists(path: string): boolean;
  /** Includes `path` as a required configuration file. */
  include(path: string): void;
}

export function addFragments(s: AddFragments, where: SourceLocation, store: DataStore, io: FragmentIo): void {
  if (asText(store.getVar('_BB_SKIP_FRAGMENTS')) === '1') return;
  const fragments = pySplit(asText(store.getVar(s.variable)));
  const layers = pySplit(asText(store.getVar('BBLAYERS')));
  const flagged = pySplit(asText(store.getVar(s.flaggedVariables)));
  const builtins = new Map(pySplit(asText(store.getVar(s.builtinVariable))).map((f) => [f.split(':')[0] ?? '', f.split(':')[1] ?? ''] as const));
  for (const f of fragments) {
    const slash = f.indexOf('/');
    const prefix = slash < 0 ? f : f.slice(0, slash);
    const name = slash < 0 ? '' : f.slice(slash + 1);
    const builtin = builtins.get(prefix);
    if (builtin !== undefined) {
      const assigned = store.getVar(builtin, true, { noWeakDefault: true });
      if (assigned !== undefined && assigned !== null) {
        throw new ParseError(`a builtin fragment '${f}' is used while ${builtin} has already got an assignment`, where, 'either disable the fragment or remove the value assignment');
      }
      store.setVar(builtin, name, { parsing: true, where, op: 'set', detail: `${name} (${s.variable} contains "${f}")` });
      continue;
    }
    const relative = store.expand(`${s.pathPrefix}/${name}.conf`);
    const path = layers.map((l) => joinPath(l, relative)).find((p) => io.exists(p) && fileLayer(p, store) === prefix);
    if (!path) throw new ParseError(`could not find fragment ${f} in enabled layers:\n\t${layers.join('\n\t')}`, where);
    io.include(path);
    for (const v of flagged) {
      store.setVarFlag(v, f, store.getVar(v) ?? null);
      store.setVar(v, null);
    }
  }
}

/** bb.utils.get_file_layer for a configuration file: the collection with the longest matching pattern. */
function fileLayer(path: string, store: DataStore): string | undefined {
  let best: string | undefined;
  let bestLength = 0;
  for (const c of pySplit(asText(store.getVar('BBFILE_COLLECTIONS')))) {
    const pattern = asText(store.getVar(`BBFILE_PATTERN_${c}`));
    if (pattern.length > bestLength && pythonMatch(pythonRegex(pattern, `BBFILE_PATTERN_${c}`), path)) {
      best = c;
      bestLength = pattern.length;
    }
  }
  return best;
}
