/**
 * Parse events (`ConfigParsed`, `RecipePreFinalise`, ...) reach the `addhandler` handlers
 * registered in the store, as BitBake fires them while parsing. Python starts only when a
 * handler exists.
 */
import { ParseError } from '../core/errors.js';
import { asText, type DataStore } from './datastore.js';
import type { EventAttributes, EventHandler } from './python-bridge.js';
import { pySplit } from './pystr.js';

export function eventHandlers(store: DataStore): EventHandler[] {
  const names = store.getVar('__BBHANDLERS', false);
  if (!Array.isArray(names)) return [];
  return (names as readonly string[]).map((name) => {
    const file = asText(store.getVarFlag(name, 'filename', false));
    if (!file) throw new ParseError(`undefined event handler function '${name}'`, undefined, 'define it with python <name>() { ... }');
    return {
      name,
      body: asText(store.getVar(name, false)),
      mask: pySplit(asText(store.getVarFlag(name, 'eventmask'))),
      where: { file, line: Number.parseInt(asText(store.getVarFlag(name, 'lineno', false)), 10) - 1 || 0 },
    };
  });
}

export function fireEvent(store: DataStore, event: string, fn: string, attrs?: EventAttributes): void {
  const handlers = eventHandlers(store);
  if (handlers.length) store.env.python.fire(store, event, fn, handlers, attrs);
}
