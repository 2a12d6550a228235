/**
 * `tsbake-sstate --remove-duplicated -y` against oe-core's
 * `scripts/sstate-cache-management.py --remove-duplicated -y` on the same 200,000-file cache.
 * Goal: tsbake's time <= 1/5 of oe-core's (median of N runs each, taken alternately).
 *
 * The cache is generated once (empty files with realistic names and mtimes: many recipes,
 * several builds each, an archive and a .siginfo per object) and hard-linked into a fresh
 * copy before every run, since each run deletes files. oe-core's script is read at bench time
 * from the openembedded-core git mirror ($TSBAKE_OE_CORE_GIT, a git directory; default
 * /work/.mirror/openembedded+openembedded-core/repo) and never stored in this repository.
 * After each pair of runs both copies must hold the same files.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, futimesSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../engine/core/package-root.js';
import { measure, median, megabytes, seconds, type Bench, type BenchContext, type Measurement } from './harness.js';
import { TSBAKE_ENV } from './tools.js';

const FILES = 200_000;
const GOAL = 0.2;
const TSBAKE_SSTATE = join(PACKAGE_ROOT, 'dist', 'sstate', 'manage', 'main.js');
const OE_CORE_GIT = process.env['TSBAKE_OE_CORE_GIT'] ?? '/work/.mirror/openembedded+openembedded-core/repo';

interface Flavour {
  readonly target: (pn: string) => string;
  readonly pkgArch: string;
  readonly tasks: readonly string[];
  readonly suffix: string;
}

const TARGET_TASKS = ['populate_sysroot', 'package', 'packagedata', 'package_write_rpm', 'package_write_ipk', 'package_qa', 'populate_lic', 'deploy_source_date_epoch'];
const FLAVOURS: readonly Flavour[] = [
  { target: () => 'core2-64-poky-linux', pkgArch: 'core2-64', tasks: TARGET_TASKS, suffix: '' },
  { target: () => 'core2-64-poky-linux', pkgArch: 'core2-64', tasks: TARGET_TASKS, suffix: '' },
  { target: () => 'x86_64-linux', pkgArch: 'x86_64', tasks: ['populate_sysroot', 'populate_lic', 'deploy_source_date_epoch'], suffix: '-native' },
  { target: () => 'all-poky-linux', pkgArch: 'allarch', tasks: TARGET_TASKS, suffix: '' },
  { target: () => 'qemux86_64-poky-linux', pkgArch: 'qemux86_64', tasks: [...TARGET_TASKS, 'deploy'], suffix: '' },
];

/**
 * Writes `files` files: recipe i (flavour i % 5) was built 1 + (i % 6) times; each build left
 * one archive and one .siginfo per sstate task, 1 h apart per build, all with distinct mtimes.
 * populate_lic objects have empty arch fields, as oe-core names them.
 */
export function generateCache(dir: string, files: number): { recipes: number; dirs: number } {
  const made = new Set<string>();
  const base = 1_700_000_000;
  let n = 0;
  let recipe = 0;
  for (; n < files; recipe++) {
    const f = FLAVOURS[recipe % FLAVOURS.length] ?? FLAVOURS[0];
    if (!f) break;
    const pn = `recipe${String(recipe).padStart(5, '0')}${f.suffix}`;
    const builds = 1 + (recipe % 6);
    for (let b = 0; b < builds && n < files; b++) {
      const pv = `${1 + (recipe % 4)}.${b}`;
      f.tasks.forEach((task, k) => {
        if (n >= files) return;
        const hash = createHash('sha256').update(`${pn}/${b}/${task}`).digest('hex');
        const d = join(dir, hash.slice(0, 2), hash.slice(2, 4));
        if (!made.has(d)) {
          mkdirSync(d, { recursive: true });
          made.add(d);
        }
        const lic = task === 'populate_lic';
        const name = `sstate:${pn}:${lic ? '' : f.target(pn)}:${pv}:r0:${lic ? '' : f.pkgArch}:14:${hash}_${task}.tar.zst`;
        const mtime = base - (builds - b) * 3600 - recipe * 7 - k;
        for (const file of [name, `${name}.siginfo`]) {
          if (n >= files) return;
          const fd = openSync(join(d, file), 'w');
          futimesSync(fd, mtime, mtime);
          closeSync(fd);
          n++;
        }
      });
    }
  }
  return { recipes: recipe, dirs: made.size };
}

function run(cmd: string, args: readonly string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
}

function fileList(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string, rel: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) visit(join(d, e.name), `${rel}${e.name}/`);
      else out.push(`${rel}${e.name}`);
    }
  };
  visit(dir, '');
  return out.sort();
}

/** oe-core's script at HEAD of the mirror, in a temp file; undefined when there is no mirror. */
function oeCoreScript(work: string): string | undefined {
  if (!existsSync(OE_CORE_GIT)) return undefined;
  const r = spawnSync('git', ['--git-dir', OE_CORE_GIT, 'show', 'HEAD:scripts/sstate-cache-management.py'], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) return undefined;
  const script = join(work, 'sstate-cache-management.py');
  writeFileSync(script, r.stdout);
  return script;
}

const removed = (m: Measurement): string => /(\d+) out of (\d+) files will be removed!/.exec(m.stdout)?.slice(1, 3).join(' of ') ?? '?';

async function runBench(ctx: BenchContext): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'tsbake-bench-sstate-'));
  const master = join(work, 'master');
  try {
    const t0 = Date.now();
    const shape = generateCache(master, FILES);
    ctx.note(`sstate-manage: ${FILES} files, ${shape.recipes} recipes, ${shape.dirs} directories generated in ${seconds((Date.now() - t0) / 1000)} at ${master}`);
    const script = oeCoreScript(work);
    if (!script) ctx.note(`sstate-manage: no openembedded-core mirror at ${OE_CORE_GIT} (set TSBAKE_OE_CORE_GIT); tsbake only`);
    const fresh = (name: string): string => {
      const copy = join(work, name);
      rmSync(copy, { recursive: true, force: true });
      run('cp', ['-al', master, copy]);
      return copy;
    };
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let i = 0; i < ctx.runs; i++) {
      // Alternate which tool goes first, so drifting machine load hits both alike.
      const order = i % 2 === 0 ? (['oe', 'tsbake'] as const) : (['tsbake', 'oe'] as const);
      const left = new Map<string, string[]>();
      for (const tool of order) {
        if (tool === 'oe' && !script) continue;
        const cache = fresh(`run-${tool}`);
        const m =
          tool === 'oe'
            ? await measure('python3', [script ?? '', '--cache-dir', cache, '--remove-duplicated', '-y'], { cwd: work, env: TSBAKE_ENV, expectStatus: 0 })
            : await measure(process.execPath, [TSBAKE_SSTATE, '--cache-dir', cache, '--remove-duplicated', '-y'], { cwd: work, env: TSBAKE_ENV, expectStatus: 0 });
        (tool === 'oe' ? theirs : ours).push(m.wallS);
        const cpu = [...m.cpuByComm.values()].reduce((a, b) => a + b, 0);
        ctx.note(`sstate-manage run ${i + 1}: ${tool} ${seconds(m.wallS)} (cpu ${seconds(cpu)}, peak ${megabytes(m.peakRss)}), removed ${removed(m)}`);
        left.set(tool, fileList(cache));
        rmSync(cache, { recursive: true, force: true });
      }
      const a = left.get('tsbake');
      const b = left.get('oe');
      if (a && b && (a.length !== b.length || a.some((f, k) => f !== b[k]))) {
        throw new Error(`sstate-manage: tsbake kept ${a.length} files, oe-core ${b.length}: the results differ`);
      }
    }
    const t = median(ours);
    const o = script ? median(theirs) : Number.NaN;
    const ratio = script ? (t / o).toFixed(3) : 'n/a';
    ctx.out(`sstate-manage remove-duplicated ${FILES} files  tsbake ${seconds(t)}  oe-core ${script ? seconds(o) : 'n/a'}  ratio ${ratio} (goal <= ${GOAL})`);
  } finally {
    if (ctx.keep) ctx.note(`sstate-manage: kept ${master}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

export const sstateManageBench: Bench = {
  name: 'sstate-manage',
  description: `tsbake-sstate --remove-duplicated vs oe-core sstate-cache-management.py on ${FILES} files`,
  run: runBench,
};
