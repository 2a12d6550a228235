/**
 * Which sstate hash a stamp-directory file refers to. Pure.
 *
 * BitBake and tsbake write, under STAMPS_DIR/<arch>/<PN>/:
 *   <PV>-<PR>.do_X.<hash>[.<extrainfo>]           the task ran (stamp)
 *   <PV>-<PR>.do_X_setscene.<hash>[.<extrainfo>]  the task was restored from sstate
 *   <PV>-<PR>.do_X.sigdata.<hash>                 the task's signature data (named by unihash)
 *   <PV>-<PR>.do_X.sigbasedata.<basehash>, .do_X.taint   no sstate hash
 *
 * oe-core's script counts sigdata and setscene stamps. Plain stamps count here as well: they
 * only ever keep more objects, and a task hash that a stamp names is in use.
 */
const NO_HASH = new Set(['sigbasedata', 'taint', '']);

export function stampHash(fileName: string): string | undefined {
  const at = fileName.lastIndexOf('.do_');
  if (at < 0) return undefined;
  const parts = fileName.slice(at + 1).split('.');
  const second = parts[1];
  if (second === undefined || NO_HASH.has(second)) return undefined;
  const hash = second === 'sigdata' ? parts[2] : second;
  return hash !== undefined && /^[0-9A-Za-z]+$/.test(hash) ? hash : undefined;
}
