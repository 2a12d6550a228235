/**
 * Reading the `<pkg>.spec.json` files do_package leaves in `${PKGDEST}` (the contract
 * between do_package and the writers): JSON checked for the fields the writers use.
 */
import { TsbakeError } from '../../core/errors.js';
import type { PackageSpec } from '../model/spec.js';

export class SpecFileError extends TsbakeError {
  readonly code = 'E_PACKAGE_SPEC';
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseSpec(text: string, file: string): PackageSpec {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new SpecFileError(`not JSON: ${(e as Error).message}`, { file, line: 0 }, 'run do_package again');
  }
  const missing = ['name', 'version', 'arch', 'relations', 'scripts', 'files', 'conffiles'].filter((k) => !isRecord(value) || !(k in value));
  if (!isRecord(value) || missing.length > 0 || !Array.isArray(value['files']) || typeof value['name'] !== 'string') {
    throw new SpecFileError(`not a package spec (missing ${missing.join(', ') || 'a valid files list'})`, { file, line: 0 }, 'run do_package again');
  }
  return value as unknown as PackageSpec;
}
