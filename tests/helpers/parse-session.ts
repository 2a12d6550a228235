/**
 * Session openers for parse worker threads in tests: a worker imports this module and calls
 * one of these with the request the test gave the pool.
 */
import { isMainThread } from 'node:worker_threads';
import type { MetadataSession } from '../../engine/metadata/session.js';
import { openLayer } from './layer.js';

export interface LayerRequest {
  readonly dir: string;
}

/** What openLayer(dir) gives the test itself. */
export function openTestSession(req: LayerRequest): MetadataSession {
  return openLayer(req.dir);
}

/** A worker that dies without a word as soon as it starts parsing its first recipe. */
export function openDyingSession(req: LayerRequest): MetadataSession {
  const session = openLayer(req.dir);
  if (!isMainThread) {
    session.parseRecipe = () => process.exit(0);
  }
  return session;
}

export const TEST_ENV = (dir: string): Record<string, string | undefined> => ({ BBPATH: dir, HOME: process.env['HOME'] });

/** PN from the recipe's file name, as every real bitbake.conf has it. */
export const PN_CONF = `PN = "\${@bb.parse.vars_from_file(d.getVar('FILE', False),d)[0] or 'defaultpkgname'}"\n`;
