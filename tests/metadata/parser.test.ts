import test from 'ava';
import { ParseError } from '../../engine/core/errors.js';
import { parse } from '../../engine/metadata/parser.js';

const parseError = (text: string, kind: 'conf' | 'recipe' = 'conf'): ParseError => {
  const e = (() => {
    try {
      parse(text, '/l/conf/x.conf', kind);
    } catch (err) {
      return err;
    }
    return undefined;
  })();
  if (!(e instanceof ParseError)) throw new Error(`expected a ParseError for ${JSON.stringify(text)}`);
  return e;
};

test('leading whitespace before a statement is an error naming file and line', (t) => {
  const e = parseError('A = "1"\n  B = "2"\n');
  t.deepEqual(e.where, { file: '/l/conf/x.conf', line: 2 });
  t.regex(e.hint ?? '', /column 0/);
});

test('a comment after an assignment is an error; after addtask it is allowed', (t) => {
  t.is(parseError('A = "1" # no\n').where?.line, 1);
  const s = parse('addtask a after b  # fine\n', '/l/x.bb', 'recipe');
  t.is(s[0]?.kind, 'addtask');
});

test('an unclosed function names its first line', (t) => {
  t.is(parseError('X = "1"\ndo_x() {\n\techo\n', 'recipe').where?.line, 2);
});

test('line continuation keeps the next line\'s indentation', (t) => {
  const s = parse('A = "one \\\n   two"\n', '/l/c.conf', 'conf');
  t.like(s[0], { kind: 'assign', name: 'A', value: 'one    two', line: 2 });
});

test('function, def and python bodies are kept as text with their flags', (t) => {
  const s = parse('fakeroot do_x() {\n\tchown 0 f  \n}\npython do_p() {\n    pass\n}\ndef helper(d):\n    return 1\n\nA = "1"\n', '/l/r.bb', 'recipe');
  t.like(s[0], { kind: 'method', name: 'do_x', fakeroot: true, python: false, body: ['\tchown 0 f', ''] });
  t.like(s[1], { kind: 'method', name: 'do_p', python: true });
  t.like(s[2], { kind: 'def', name: 'helper', body: ['def helper(d):', '    return 1', ''] });
  t.like(s[3], { kind: 'assign', name: 'A' });
});

test('addtask splits after/before like BitBake', (t) => {
  t.like(parse('addtask report before build populate after start\n', '/l/r.bb', 'recipe')[0], { tasks: 'report', before: 'build populate', after: 'start' });
});
