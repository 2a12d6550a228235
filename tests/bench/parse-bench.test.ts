/** The parse bench's result line: the CPU part sets each side's CPU time beside the wall-time ratio. */
import test from 'ava';
import { cpuPart } from '../../bench/parse.bench.js';
import type { Series } from '../../bench/harness.js';

const series = (cpu: Record<string, number>): Series => ({ wallS: 1, peakRss: 0, cpuByComm: new Map(Object.entries(cpu)), runs: [] });

test('the CPU part sums every command of each side and gives their ratio', (t) => {
  t.is(cpuPart(series({ node: 0.6, python3: 0.02 }), series({ 'bitbake-server': 4, 'Parser-1': 1, python3: 0.2 })), 'cpu tsbake 0.62s bitbake 5.20s ratio 0.119');
});

test('without BitBake, or when a side failed, only what was measured is shown', (t) => {
  t.is(cpuPart(series({ node: 0.5 }), undefined), 'cpu tsbake 0.50s');
  t.is(cpuPart(series({ node: 0.5 }), 'bitbake failed'), 'cpu tsbake 0.50s');
  t.is(cpuPart('tsbake failed', series({ python3: 4 })), undefined);
});
