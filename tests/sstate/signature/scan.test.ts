import test from 'ava';
import { scanPython, scanValue } from '../../../sstate/signature/python-scan.js';
import { scanShell } from '../../../sstate/signature/shell-scan.js';

const SHELL_CASES: ReadonlyArray<readonly [name: string, body: string, execs: readonly string[]]> = [
  ['first word of each line', 'a x y\n\tb "q"\n', ['a', 'b']],
  ['after ; && || | & and (', 'a; b && c || d | e & f\n(g)\n', ['a', 'b', 'c', 'd', 'e', 'f', 'g']],
  ['after reserved words', 'if t1; then t2; elif t3; then t4; else t5; fi\nwhile w1; do w2; done\n! n1\n{ br; }\n', ['t1', 't2', 't3', 't4', 't5', 'w1', 'w2', 'n1', 'br']],
  ['command substitution, also in double quotes and backticks', 'x=$(s1 a)\necho "$(s2)" `s3` "`s4`"\n', ['s1', 'echo', 's2', 's3', 's4']],
  ['quoted words, $ words and escapes are not names', '"q1" a\n\'q2\' b\n$CMD c\n${X} d\n\\e1 f\n', []],
  ['assignments before a command are skipped', 'A=1 B="x y" run a\nC=2\n', ['run']],
  ['comments', '# c1 a\nx # c2\n  # c3\n', ['x']],
  ['function definitions are not dependencies, even when called', 'loc() {\n\tinner\n}\nloc\nfunction f2 {\n\tg\n}\nf2\n', ['inner', 'g']],
  ['for and case heads, case patterns', 'for i in a b; do body $i; done\ncase "$x" in\n  p1|p2) c1 ;;\n  (p3) c2 ;;\n  *) c3\n     c4 ;;\nesac\nafter\n', ['body', 'c1', 'c2', 'c3', 'c4', 'after']],
  ['here-documents are skipped', 'cat <<EOF > out\nnot_a_cmd\nEOF\nreal\ncat <<-"END"\n\tnope\n\tEND\nreal2\n', ['cat', 'real', 'real2']],
  ['redirections do not end the command position', '>log run1\n2>&1 run2 a\nrun3 >x\n', ['run1', 'run2', 'run3']],
  ['arithmetic is not a command', 'n=$((a + b))\n(( c++ ))\nx\n', ['x']],
  ['line continuations', 'a \\\n  b\nc\n', ['a', 'c']],
];

for (const [name, body, execs] of SHELL_CASES) {
  test(`shell commands: ${name}`, (t) => {
    t.deepEqual([...scanShell(body).execs].sort(), [...execs].sort());
  });
}

const PYTHON_CASES: ReadonlyArray<readonly [name: string, code: string, refs: readonly string[], calls: readonly string[]]> = [
  ['getVar and friends', `d.getVar('A')\nlocaldata.getVar("B", False)\nd.appendVar('C', 'x')\noe.utils.conditional('D', 'a', 'b', 'c', d)`, ['A', 'B', 'C', 'D'], []],
  ['getVarFlag names the flag', `d.getVarFlag('A', 'doc')\nd.getVarFlag('B', flag)`, ['A[doc]'], []],
  ['contains helpers reference the variable', `bb.utils.contains('F', 'x', 'a', 'b', d)\nbb.utils.filter('G', 'y', d)`, ['F', 'G'], []],
  ['expand of a literal', `d.expand("\${A}/\${B}")`, ['A', 'B'], []],
  ['exec_func names the function; other calls are calls', `bb.build.exec_func('do_x', d)\nmy_helper(d)\nos.path.join(a, b)`, [], ['do_x', 'my_helper', 'os.path.join']],
  ['non-literal arguments are not references', `d.getVar(name)\nd.getVar(f'X{y}')\nd.getVar('A' + b)`, [], []],
  ['strings and comments are not calls', `x = "d.getVar('A')"\n# d.getVar('B')\ny = '''multi\nd.getVar('C')'''`, [], []],
  ['def and keywords are not calls', `def inner(d):\n    if (a):\n        return (b)\n    inner(d)`, [], ['inner']],
  ['a call on a call result has no plain name', `get().getVar('A')\nd.getVar('B').split()`, ['B'], ['get']],
];

for (const [name, code, refs, calls] of PYTHON_CASES) {
  test(`python references: ${name}`, (t) => {
    const s = scanPython(code);
    t.deepEqual([...s.references].sort(), [...refs].sort(), 'references');
    t.deepEqual(
      [...s.calls].filter((c) => !['d.getVar', 'localdata.getVar', 'd.appendVar', 'oe.utils.conditional'].includes(c)).sort(),
      [...calls].sort(),
      'calls',
    );
  });
}

test('scanValue: ${} references, and what inline python reads and calls', (t) => {
  const s = scanValue("${A}-${B:x} ${@d.getVar('C') + helper(d)} ${@ {'k': '${D}'}['k'] }");
  t.deepEqual([...s.references].sort(), ['A', 'B:x', 'C', 'D']);
  t.deepEqual([...s.calls], ['helper']);
  t.deepEqual(scanValue('plain text').references, []);
});
