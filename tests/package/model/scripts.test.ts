import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { completeScript, defersToFirstBoot, ONTARGET_DEFER_DIR, withOntarget } from '../../../engine/package/model/scripts.js';

test('a script gets #!/bin/sh and set -e, or keeps its own #! line', (t) => {
  t.is(completeScript('\techo hi'), '#!/bin/sh\nset -e\n\techo hi\n');
  t.is(completeScript('#!/bin/bash\necho hi\n'), '#!/bin/bash\nset -e\necho hi\n');
});

function run(script: string, env: Record<string, string>): { status: number | null; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tsbake-script-'));
  const file = join(dir, 'postinst');
  writeFileSync(file, script, { mode: 0o755 });
  const r = spawnSync('/bin/sh', [file, 'configure'], { env: { PATH: process.env['PATH'] ?? '', OUT: join(dir, 'out'), ...env } });
  return { status: r.status, dir };
}

test('pkg_postinst_ontarget: with $D set the postinst records the deferral and exits 0; on the target it runs', (t) => {
  const script = completeScript(withOntarget('echo install >> "$OUT"', 'echo ontarget >> "$OUT"', 'demo'));
  t.true(defersToFirstBoot(script));
  const root = mkdtempSync(join(tmpdir(), 'tsbake-root-'));
  const image = run(script, { D: root });
  t.is(image.status, 0);
  t.is(readFileSync(join(image.dir, 'out'), 'utf8'), 'install\n');
  t.true(existsSync(join(root, ONTARGET_DEFER_DIR, 'demo')));
  const target = run(script, {});
  t.is(target.status, 0);
  t.is(readFileSync(join(target.dir, 'out'), 'utf8'), 'install\nontarget\n');
});

test('set -e: a failing command fails the script', (t) => {
  t.is(run(completeScript('false\necho after >> "$OUT"'), {}).status, 1);
});
