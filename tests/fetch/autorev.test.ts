/**
 * AUTOREV through the CLI, as BitBake 2.19 behaves (checked by hand against it on the same
 * layer): the branch head is resolved while parsing and is part of do_fetch's signature, so
 * a new commit reruns do_fetch and everything after it, and no new commit is a no-op. With
 * BB_SRCREV_POLICY = "cache" the resolved revision is kept until the cache is cleared.
 */
import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCommand, requireTool } from '../helpers/host-tools.js';
import { appendConf, bake, command, started } from '../run/run-layer.js';
import { git } from './git-repos.js';
import { fetchLayer } from './fetch-layer.js';

function commit(repo: string, text: string): string {
  writeFileSync(join(repo, 'VERSION'), text);
  git(repo, 'add', 'VERSION');
  git(repo, 'commit', '-qm', text);
  return git(repo, 'rev-parse', 'HEAD');
}

const ALL = ['app:do_fetch', 'app:do_unpack', 'app:do_patch', 'app:do_compile'];

function build(dir: string): string[] {
  const r = bake(dir, ['app']);
  if (r.status !== 0) throw new Error(`tsbake app failed:\n${r.stdout}\n${r.stderr}`);
  return started(r.stdout);
}

test('AUTOREV: a new commit on the branch reruns do_fetch and what follows; none is a no-op; "cache" policy keeps the revision', (t) => {
  if (!requireTool(t, hasCommand('git'), 'git (Debian package git)')) return;
  const repo = join(mkdtempSync(join(tmpdir(), 'tsbake-autorev-')), 'repo.git');
  git(tmpdir(), 'init', '-q', repo);
  commit(repo, '1\n');
  const dir = fetchLayer({ 'app_1.0': `SRC_URI = "git://${repo};protocol=file;branch=main"\nSRCREV = "\${AUTOREV}"\nSRCPV_PY = "\${@'%s' % bb.fetch2.get_srcrev(d)}"\n` }, {}, 'AUTOREV = "${@bb.fetch2.get_autorev(d)}"\n');
  const compiled = (): string => readFileSync(join(dir, 'tmp/work/app/compiled'), 'utf8');

  t.deepEqual(build(dir), ALL);
  t.is(compiled(), '1\n');
  // Python metadata (bb.fetch2.get_srcrev, as package.bbclass calls it) sees the same commit.
  const first = git(join(dir, 'tmp/work/app/sources/app-1.0'), 'rev-parse', 'HEAD');
  const srcpv = command(dir, ['getvar', '--recipe', 'app', 'SRCPV_PY']);
  t.is(srcpv.stdout.trim(), `AUTOINC+${first.slice(0, 10)}`, srcpv.stderr);
  t.deepEqual(build(dir), [], 'no new commit: nothing runs');
  const second = commit(repo, '2\n');
  t.deepEqual(build(dir), ALL);
  t.is(compiled(), '2\n');
  t.is(git(join(dir, 'tmp/work/app/sources/app-1.0'), 'rev-parse', 'HEAD'), second);

  appendConf(dir, 'BB_SRCREV_POLICY = "cache"\n');
  build(dir);
  commit(repo, '3\n');
  t.deepEqual(build(dir), [], 'the cached revision is used');
  t.is(compiled(), '2\n');
  appendConf(dir, 'BB_SRCREV_POLICY = "clear"\n');
  t.deepEqual(build(dir), ALL);
  t.is(compiled(), '3\n');
});
