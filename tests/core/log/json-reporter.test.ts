import test from 'ava';
import { PassThrough } from 'node:stream';
import { text } from 'node:stream/consumers';
import { createReporter } from '../../../engine/core/log/reporter.js';
import { failedBuild, successfulBuild } from './events-fixture.js';

test('--log-json writes one JSON object per event per line, and close() ends the stream', async (t) => {
  const json = new PassThrough();
  const collected = text(json);
  let screen = '';
  const r = createReporter({ tty: false, quiet: false, verbose: false, json, out: (s) => (screen += s), err: (s) => (screen += s) });
  const events = [...successfulBuild(), ...failedBuild()];
  for (const e of events) r.sink(e);
  r.close();
  r.close();
  const lines = (await collected).split('\n');
  t.is(lines.pop(), '');
  t.is(lines.length, events.length);
  t.deepEqual(
    lines.map((l) => JSON.parse(l) as unknown),
    events.map((e) => JSON.parse(JSON.stringify(e)) as unknown),
  );
  t.regex(screen, /Tasks Summary/, 'the console reporter still runs next to the JSON one');
});

test('events after close() are not written', async (t) => {
  const json = new PassThrough();
  const collected = text(json);
  const r = createReporter({ tty: false, quiet: true, verbose: false, json, out: () => {}, err: () => {} });
  r.sink({ kind: 'note', message: 'one' });
  r.close();
  r.sink({ kind: 'note', message: 'two' });
  t.is(await collected, '{"kind":"note","message":"one"}\n');
});
