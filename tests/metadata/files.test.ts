import test from 'ava';
import { confLayer, configStore, makeLayer, PRELUDE, recipeStore, value } from '../helpers/layer.js';
import { DiskSource } from '../../engine/metadata/session.js';

const R = 'meta/recipes-demo/demo/demo_1.0.bb';

test('include is silent when missing; require is an error naming file and line', (t) => {
  t.is(value(configStore(confLayer('include conf/none.inc\nA = "ok"\n')), 'A'), 'ok');
  const dir = confLayer('A = "1"\nrequire conf/none.inc\n');
  const e = t.throws(() => configStore(dir));
  t.regex(e?.message ?? '', /could not include required file conf\/none\.inc/);
  t.like((e as { where?: unknown }).where, { file: `${dir}/conf/bitbake.conf`, line: 4 }, 'line 2 after the two-line prelude');
});

test('include searches next to the includer first and may name several files', (t) => {
  const dir = confLayer('include conf/sub/a.inc\n', {
    'conf/sub/a.inc': 'include b.inc\ninclude conf/p.inc conf/q.inc\n',
    'conf/sub/b.inc': 'B = "sub"\n',
    'b.inc': 'B = "top"\n',
    'conf/p.inc': 'L += "p"\n',
    'conf/q.inc': 'L += "q"\n',
  });
  const s = configStore(dir);
  t.is(value(s, 'B'), 'sub');
  t.is(value(s, 'L'), ' p q');
});

test('include_all includes every match along BBPATH', (t) => {
  const dir = makeLayer({
    'conf/bitbake.conf': PRELUDE + 'include_all conf/frag.conf\n',
    'conf/bblayers.conf': 'BBPATH = "${TOPDIR}/l1:${TOPDIR}/l2:${TOPDIR}"\nBBLAYERS = "${TOPDIR}/l1 ${TOPDIR}/l2"\n',
    'l1/conf/layer.conf': 'BBFILE_COLLECTIONS += "l1"\nBBFILE_PATTERN_l1 = "^${LAYERDIR}/"\nBBFILE_PRIORITY_l1 = "1"\n',
    'l2/conf/layer.conf': 'BBFILE_COLLECTIONS += "l2"\nBBFILE_PATTERN_l2 = "^${LAYERDIR}/"\nBBFILE_PRIORITY_l2 = "1"\n',
    'l1/conf/frag.conf': 'F += "one"\n',
    'l2/conf/frag.conf': 'F += "two"\n',
  });
  t.is(value(configStore(dir), 'F'), ' one two');
});

test('inherit: ${} lists, classes-recipe before classes, each class once, textual position', (t) => {
  const dir = makeLayer({
    'conf/bitbake.conf': PRELUDE + 'CLS = "a b"\n',
    'classes/a.bbclass': 'ORDER .= "+a"\ninherit b\n',
    'classes/b.bbclass': 'ORDER .= "+b"\n',
    'classes/c.bbclass': 'WHO = "classes"\n',
    'classes-recipe/c.bbclass': 'WHO = "classes-recipe"\n',
    [R]: 'ORDER = "r"\ninherit ${CLS}\ninherit c b\nORDER .= "+end"\n',
  });
  const s = recipeStore(dir, R);
  t.is(value(s, 'ORDER'), 'r+a+b+end');
  t.is(value(s, 'WHO'), 'classes-recipe');
});

test('inherit_defer resolves after the bbappends; INHERIT uses classes-global', (t) => {
  const dir = makeLayer({
    'conf/bitbake.conf': PRELUDE + 'INHERIT += "site"\n',
    'classes-global/site.bbclass': 'SITE = "global"\n',
    'classes/site.bbclass': 'SITE = "classes"\n',
    'classes/make.bbclass': 'TOOL = "make"\n',
    'classes/meson.bbclass': 'TOOL = "meson"\n',
    [R]: 'BACKEND ?= "make"\ninherit_defer ${BACKEND}\n',
    'meta/recipes-demo/demo/demo_%.bbappend': 'BACKEND = "meson"\n',
  });
  const s = recipeStore(dir, R);
  t.is(value(s, 'TOOL'), 'meson');
  t.is(value(s, 'SITE'), 'global');
});

test('a missing class is an error naming the inherit line', (t) => {
  const dir = makeLayer({ 'conf/bitbake.conf': PRELUDE, [R]: 'A = "1"\ninherit nothere\n' });
  const e = t.throws(() => recipeStore(dir, R));
  t.regex(e?.message ?? '', /could not inherit file classes\/nothere\.bbclass/);
  t.like((e as { where?: unknown }).where, { line: 2 });
});

test('functions, EXPORT_FUNCTIONS and tasks', (t) => {
  const dir = makeLayer({
    'conf/bitbake.conf': PRELUDE,
    'classes/tool.bbclass': 'tool_do_install() {\n\tinstall x\n}\nEXPORT_FUNCTIONS do_install\naddtask install\n',
    [R]: 'inherit tool\ndo_install:append() {\n\techo more\n}\naddtask pack after install before build\naddtask gone\ndeltask gone\n',
  });
  const s = recipeStore(dir, R);
  t.is(value(s, 'do_install'), '    # Export function set\n    tool_do_install\n\techo more\n');
  t.is(value(s, 'do_build[deps]'), 'do_pack');
  t.is(value(s, 'do_pack[deps]'), 'do_install');
  t.is(value(s, 'do_gone[task]'), undefined);
  t.is(value(s, 'do_pack[task]'), '1');
});

test('the disk source tells files, directories and missing paths apart, a listing included', (t) => {
  const dir = makeLayer({ 'd/f.bb': 'A = "1"\n', 'd/sub/g.bb': '' });
  for (const listed of [false, true]) {
    const source = new DiskSource();
    if (listed) t.deepEqual([...(source.list(`${dir}/d`) ?? [])].sort(), ['f.bb', 'sub']);
    t.true(source.isFile(`${dir}/d/f.bb`));
    t.true(source.exists(`${dir}/d/sub`));
    t.false(source.isFile(`${dir}/d/sub`));
    t.false(source.exists(`${dir}/d/none.bb`));
    t.false(source.exists(`${dir}/d/f.bb/under-a-file`)); // ENOTDIR is "not there", not an error
    t.is(source.text(`${dir}/d/f.bb`), 'A = "1"\n');
    t.is(source.readStamp(`${dir}/d/f.bb`)?.size, 8);
  }
});
