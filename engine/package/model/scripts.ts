/**
 * Maintainer-script surgery the formats share. The spec's scripts are complete (`#!` line and
 * `set -e`); a format that must add a guard puts it right after the interpreter line.
 */
import type { PackageScripts } from './spec.js';

export type ScriptName = keyof PackageScripts;
export const SCRIPT_NAMES: readonly ScriptName[] = ['preinst', 'postinst', 'prerm', 'postrm'];

/** The `#!` line (with its newline, or '' when there is none) and the rest. */
export function splitInterpreter(script: string): { readonly interpreter: string; readonly body: string } {
  if (!script.startsWith('#!')) return { interpreter: '', body: script };
  const nl = script.indexOf('\n');
  return nl < 0 ? { interpreter: `${script}\n`, body: '' } : { interpreter: script.slice(0, nl + 1), body: script.slice(nl + 1) };
}

/** The script with `line` inserted after its interpreter line. */
export function insertAfterInterpreter(script: string, line: string): string {
  const { interpreter, body } = splitInterpreter(script);
  return `${interpreter || '#!/bin/sh\n'}${line}\n${body}`;
}

/** A script text ending in exactly one newline. */
export const withFinalNewline = (s: string): string => `${s.replace(/\n+$/, '')}\n`;
