import test from 'ava';
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sourceDateEpoch } from '../../../engine/package/split/source-date-epoch.js';

const lookupOf = (vars: Record<string, string>) => (name: string): string | undefined => vars[name];

test('SOURCE_DATE_EPOCH set: it wins', (t) => {
  t.is(sourceDateEpoch(lookupOf({ SOURCE_DATE_EPOCH: '1234', SOURCE_DATE_EPOCH_FALLBACK: '1' })), 1234);
});

test('unset: the epoch file, else the youngest non-hidden file of S, else the fallback', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsbake-sde-'));
  const s = join(dir, 'src');
  mkdirSync(join(s, 'sub'), { recursive: true });
  writeFileSync(join(s, 'old.c'), '');
  writeFileSync(join(s, 'sub', 'new.c'), '');
  writeFileSync(join(s, '.hidden'), '');
  utimesSync(join(s, 'old.c'), 1000, 1000);
  utimesSync(join(s, 'sub', 'new.c'), 2000, 2000);
  utimesSync(join(s, '.hidden'), 9000, 9000);
  const sde = join(dir, 'sde.txt');
  const vars = { S: s, UNPACKDIR: dir, SDE_FILE: sde, SOURCE_DATE_EPOCH_FALLBACK: '1302044400' };
  t.is(sourceDateEpoch(lookupOf(vars)), 2000);
  writeFileSync(sde, '1500\n');
  t.is(sourceDateEpoch(lookupOf(vars)), 1500);
  t.is(sourceDateEpoch(lookupOf({ ...vars, SDE_FILE: join(dir, 'none'), S: dir })), 1302044400);
});
