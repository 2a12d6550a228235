/**
 * Maintainer scripts as complete shell scripts, and the first-boot deferral of
 * `pkg_postinst_ontarget` (the contract between do_package and the rootfs).
 *
 * oe-core appends `pkg_postinst_ontarget:<pkg>` to the postinst behind a block that, when
 * `$D` is set (an image is being built), hands the package to an intercept and exits 0. tsbake
 * does the same with a block the rootfs can recognise without running anything: it starts
 * with the line ONTARGET_MARKER and, when `$D` is set, creates the empty file
 * `$D${ONTARGET_DEFER_DIR}/<pkg>` and exits 0. The rootfs treats a package whose postinst
 * created that file (or, statically, whose postinst contains ONTARGET_MARKER) as deferred:
 * it leaves it unconfigured and runs its postinst at first boot, where `$D` is empty and the
 * script runs to the end.
 */

/** The line that opens the deferral block in a postinst. */
export const ONTARGET_MARKER = '# tsbake: pkg_postinst_ontarget follows; deferred to first boot when $D is set';

/** Where, inside the image being built, a deferred postinst records its package name (an empty file). */
export const ONTARGET_DEFER_DIR = '/var/lib/tsbake/deferred-postinsts';

export type ScriptName = 'preinst' | 'postinst' | 'prerm' | 'postrm';
export const SCRIPT_NAMES: readonly ScriptName[] = ['preinst', 'postinst', 'prerm', 'postrm'];

/** `#!/bin/sh` (or the body's own `#!` line), `set -e`, the body; as oe-core's emit_pkgdata does. */
export function completeScript(body: string): string {
  const lines = body.split('\n');
  const first = lines[0] ?? '';
  const [shebang, rest] = first.startsWith('#!') ? [first, lines.slice(1)] : ['#!/bin/sh', lines];
  const text = `${shebang}\nset -e\n${rest.join('\n')}`;
  return text.endsWith('\n') ? text : `${text}\n`;
}

/** The postinst body with `ontarget` appended behind the deferral block (`postinst` may be empty). */
export function withOntarget(postinst: string, ontarget: string, pkg: string): string {
  const head = postinst.endsWith('\n') || postinst === '' ? postinst : `${postinst}\n`;
  const defer = [
    ONTARGET_MARKER,
    'if [ -n "$D" ]; then',
    `\tmkdir -p "$D${ONTARGET_DEFER_DIR}"`,
    `\t: > "$D${ONTARGET_DEFER_DIR}/${pkg}"`,
    '\texit 0',
    'fi',
    '',
  ].join('\n');
  return `${head}${defer}${ontarget}`;
}

/** Whether a complete postinst defers part of itself to first boot. */
export const defersToFirstBoot = (postinst: string | undefined): boolean => postinst?.includes(ONTARGET_MARKER) ?? false;

/** The `#!` line (with its newline, or '' when there is none) and the rest. */
export function splitInterpreter(script: string): { readonly interpreter: string; readonly body: string } {
  if (!script.startsWith('#!')) return { interpreter: '', body: script };
  const nl = script.indexOf('\n');
  return nl < 0 ? { interpreter: `${script}\n`, body: '' } : { interpreter: script.slice(0, nl + 1), body: script.slice(nl + 1) };
}

/** The script with `line` inserted after its interpreter line (a writer's guard). */
export function insertAfterInterpreter(script: string, line: string): string {
  const { interpreter, body } = splitInterpreter(script);
  return `${interpreter || '#!/bin/sh\n'}${line}\n${body}`;
}

/** A script text ending in exactly one newline. */
export const withFinalNewline = (s: string): string => `${s.replace(/\n+$/, '')}\n`;
