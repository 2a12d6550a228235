/**
 * The package QA checks (oe-core's insane.bbclass idea): each finding names a check; the check's
 * level comes from ERROR_QA / WARN_QA, and `INSANE_SKIP:<pkg>` silences it for one package.
 * Errors fail do_package after every finding has been logged.
 */
import { TsbakeError } from '../../core/errors.js';
import { absolutePathWrites } from './script-abs-path.js';

export class PackageQaError extends TsbakeError {
  readonly code = 'E_PACKAGE_QA';
}

export type QaCheck = 'installed-vs-shipped' | 'expanded-d' | 'script-abs-path' | 'legacy-script-name';

export interface QaFinding {
  readonly check: QaCheck;
  readonly pkg: string;
  readonly message: string;
}

export interface QaSettings {
  readonly error: ReadonlySet<string>;
  readonly warn: ReadonlySet<string>;
  readonly skip: (pkg: string) => ReadonlySet<string>;
}

/** Logs each finding at its level (warnings also reach the console); returns the error lines (what fails the task). */
export function reportQa(findings: readonly QaFinding[], settings: QaSettings, log: (line: string) => void, warn: (message: string) => void): string[] {
  const errors: string[] = [];
  for (const f of findings) {
    if (settings.skip(f.pkg).has(f.check)) {
      log(`NOTE: Package ${f.pkg} skipping QA tests: ${f.check}`);
      continue;
    }
    const line = `${f.message} [${f.check}]`;
    if (settings.error.has(f.check)) {
      log(`ERROR: QA Issue: ${line}`);
      errors.push(line);
    } else if (settings.warn.has(f.check)) warn(`QA Issue: ${line}`);
  }
  return errors;
}

/** oe-core's installed-vs-shipped wording, prefixed with the recipe file. */
export function installedVsShipped(recipeFile: string, pn: string, unshipped: readonly string[]): QaFinding {
  const message = [
    `${recipeFile}: ${pn}: Files/directories were installed but not shipped in any package:`,
    ...unshipped.map((f) => `  ${f}`),
    'Please set FILES such that these items are packaged. Alternatively if they are unneeded, avoid installing them or delete them within do_install.',
    `${pn}: ${unshipped.length} installed and not shipped files.`,
  ].join('\n');
  return { check: 'installed-vs-shipped', pkg: pn, message: `${message}\nhint: add the paths to FILES:<package> of a package in PACKAGES (or add a package to PACKAGES)` };
}

export function expandedD(recipeFile: string, pkg: string, script: string, dValue: string, text: string): QaFinding | undefined {
  if (!dValue || !text.includes(dValue)) return undefined;
  return { check: 'expanded-d', pkg, message: `${recipeFile}: ${pkg}: ${script}:${pkg} contains the expanded value of \${D} (${dValue}); use $D instead, which the package manager sets when it installs into an image` };
}

const LEGACY = /^pkg_(preinst|postinst|prerm|postrm)(_ontarget)?_(.+)$/;

/** `pkg_postinst_${PN}` and friends: names BitBake 2 reads as plain variables, so the script never runs. */
export function legacyScriptNames(recipeFile: string, names: readonly string[], packages: readonly string[]): QaFinding[] {
  const known = new Set(packages);
  const out: QaFinding[] = [];
  for (const name of names) {
    const m = LEGACY.exec(name);
    if (!m || !known.has(m[3] ?? '')) continue;
    const pkg = m[3] ?? '';
    const modern = `pkg_${m[1] ?? ''}${m[2] ?? ''}:${pkg}`;
    out.push({ check: 'legacy-script-name', pkg, message: `${recipeFile}: ${pkg}: ${name} uses the old underscore spelling, which BitBake 2 ignores (the script would never run); name it ${modern}` });
  }
  return out;
}

const SCRIPT_VARS = ['pkg_preinst', 'pkg_postinst', 'pkg_prerm', 'pkg_postrm', 'pkg_postinst_ontarget'] as const;

/** expanded-d and script-abs-path for one package's scripts (`body` reads `pkg_X:<pkg>`, else `pkg_X`). */
export function scriptFindings(recipeFile: string, pkg: string, dValue: string, body: (name: string) => string | undefined): QaFinding[] {
  const out: QaFinding[] = [];
  for (const script of SCRIPT_VARS) {
    const text = body(script);
    if (!text) continue;
    const expanded = expandedD(recipeFile, pkg, script, dValue, text);
    if (expanded) out.push(expanded);
    // The ontarget part runs on the target only: absolute paths are what it is for.
    if (script === 'pkg_postinst_ontarget') continue;
    for (const w of absolutePathWrites(text)) {
      out.push({ check: 'script-abs-path', pkg, message: `${recipeFile}: ${pkg}: ${script}:${pkg} line ${w.line} writes to ${w.path} without $D, so installing the package into an image changes the build host: "${w.text}"; write to $D${w.path}, or do it only when $D is empty (if [ -z "$D" ]; then ...; fi)` });
    }
  }
  return out;
}
