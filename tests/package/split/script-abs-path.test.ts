import test from 'ava';
import { absolutePathWrites } from '../../../engine/package/split/script-abs-path.js';

const FLAGGED: ReadonlyArray<readonly [string, string, number]> = [
  ['echo x > /etc/foo', '/etc/foo', 1],
  ['echo x >> /var/log/foo.log', '/var/log/foo.log', 1],
  ['\n\tmkdir -p /var/lib/foo', '/var/lib/foo', 2],
  ['cp "$D/a" /etc/b', '/etc/b', 1],
  ['sed -i -e s/a/b/ /etc/passwd', '/etc/passwd', 1],
  ['echo x | tee /etc/motd', '/etc/motd', 1],
  ['if [ -n "$D" ]; then\n\techo ok\nfi\nrm -f /etc/x', '/etc/x', 4],
  ['if [ -n "$D" ]; then\n\ttouch /etc/inside\nfi', '/etc/inside', 2],
];

for (const [body, path, line] of FLAGGED) {
  test(`flagged: ${JSON.stringify(body)}`, (t) => {
    t.deepEqual(absolutePathWrites(body).map((w) => [w.path, w.line]), [[path, line]]);
  });
}

const CLEAN: readonly string[] = [
  'echo x > $D/etc/foo',
  'echo x > "${D}/etc/foo"',
  'mkdir -p $D/var/lib/foo',
  'echo x > /dev/null 2>&1',
  'cat /etc/passwd',
  'if [ -z "$D" ]; then\n\techo x > /etc/foo\nfi',
  'if [ "x$D" = "x" ]; then\n\ttouch /etc/foo\nfi',
  'if [ -n "$D" ]; then\n\techo image\nelse\n\ttouch /etc/foo\nfi',
  '[ -n "$D" ] && exit 0\ntouch /etc/foo',
  'if [ -n "$D" ]; then\n\texit 0\nfi\ntouch /etc/foo',
  '[ -z "$D" ] && touch /etc/foo',
  '[ -n "$D" ] || touch /etc/foo',
  'chmod 0644 $D/etc/foo',
];

for (const body of CLEAN) {
  test(`not flagged: ${JSON.stringify(body)}`, (t) => {
    t.deepEqual(absolutePathWrites(body), []);
  });
}
