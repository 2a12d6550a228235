/** Configuration values by name, memoised: provider choice and the build ask for the same names often. */
import { asText } from './datastore.js';
import type { MetadataSession } from './session.js';

export type ConfigLookup = (name: string) => string | undefined;

export function configLookup(session: MetadataSession): ConfigLookup {
  const memo = new Map<string, string | undefined>();
  return (name) => {
    if (memo.has(name)) return memo.get(name);
    const v = session.config.store.getVar(name);
    const text = v === undefined || v === null ? undefined : asText(v);
    memo.set(name, text);
    return text;
  };
}
