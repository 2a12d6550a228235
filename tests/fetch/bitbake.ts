/** Where the real BitBake the cross-checks run is: ../bitbake beside tsbake, or $TSBAKE_BITBAKE. */
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PACKAGE_ROOT } from '../../engine/core/package-root.js';

/** The `bin/bitbake` script, or undefined when there is no checkout. */
export function findBitbake(): string | undefined {
  const given = process.env['TSBAKE_BITBAKE'];
  for (const c of given ? [given] : [join(PACKAGE_ROOT, '..', 'bitbake')]) {
    const script = existsSync(c) && statSync(c).isDirectory() ? join(c, 'bin', 'bitbake') : c;
    if (existsSync(script)) return script;
  }
  return undefined;
}

/** The checkout's `lib` directory (for `import bb`), or undefined. */
export function bitbakeLib(): string | undefined {
  const script = findBitbake();
  return script === undefined ? undefined : join(dirname(dirname(script)), 'lib');
}
