/** What every package format implements (ARCHITECTURE.md §3.1); format details stay inside each writer. */
import type { PackageSpec } from './spec.js';

export interface WriteContext {
  /** The directory holding the package's payload: `files[i].path` is at `${payloadRoot}${path}`. */
  readonly payloadRoot: string;
  /** Scratch space for members whose size must be known before they are written. */
  readonly tmpDir: string;
  readonly signal?: AbortSignal;
}

export interface PackageWriter {
  /** 'deb' | 'rpm' | 'ipk' | 'tar' (or a plugin's name). */
  readonly format: string;
  /** The file name in `${DEPLOY_DIR}/<format>/<arch dir>/`, e.g. `hello_1.0-r0_core2-64.ipk`. */
  fileName(spec: PackageSpec): string;
  /** The arch subdirectory of `${DEPLOY_DIR}/<format>/` the package goes to. */
  archDir(spec: PackageSpec): string;
  /**
   * Writes the package to the file at `path` (a temp name the caller renames into place). A
   * file, not a stream: a container's size field can be patched in once its last member is
   * written straight into it.
   */
  write(spec: PackageSpec, path: string, ctx: WriteContext): Promise<void>;
}
