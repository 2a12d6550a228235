import test from 'ava';
import { makeLayer, PRELUDE, configStore, openLayer, recipeStore, value } from '../helpers/layer.js';
import { parseAll } from '../../engine/metadata/parse-all.js';

const layerConf = (name: string, priority: string, extra = ''): string =>
  `BBPATH .= ":\${LAYERDIR}"\nBBFILES += "\${LAYERDIR}/recipes-*/*/*.bb \${LAYERDIR}/recipes-*/*/*.bbappend"\nBBFILE_COLLECTIONS += "${name}"\nBBFILE_PATTERN_${name} = "^\${LAYERDIR}/"\nBBFILE_PRIORITY_${name} = "${priority}"\n${extra}`;

test('LAYERDIR is frozen into values and gone afterwards; flags keep it literally', (t) => {
  const dir = makeLayer({
    'conf/bitbake.conf': PRELUDE,
    'conf/bblayers.conf': 'BBPATH = "${TOPDIR}"\nBBLAYERS = "${TOPDIR}/layers/one/"\n',
    'layers/one/conf/layer.conf': layerConf('one', '1', 'LAZY = "${LAYERDIR}/files"\nFLAGGED[path] = "${LAYERDIR}/x"\n'),
  });
  const s = configStore(dir);
  t.is(value(s, 'LAZY'), `${dir}/layers/one/files`);
  t.is(value(s, 'LAYERDIR'), undefined);
  t.is(value(s, 'FLAGGED[path]'), '${LAYERDIR}/x');
});

test('bbappends apply by layer priority, % appends before exact ones, BBMASK masks', (t) => {
  const dir = makeLayer({
    'conf/bitbake.conf': PRELUDE,
    'conf/bblayers.conf': 'BBPATH = "${TOPDIR}"\nBBLAYERS = "${TOPDIR}/hi ${TOPDIR}/lo"\n',
    'hi/conf/layer.conf': layerConf('hi', '9', 'BBMASK += "${LAYERDIR}/recipes-x/masked/"\n'),
    'lo/conf/layer.conf': layerConf('lo', '2'),
    'lo/recipes-x/app/app_1.0.bb': 'O = "r"\n',
    'hi/recipes-x/app/app_1.0.bbappend': 'O .= "+hi"\n',
    'lo/recipes-x/app/app_1.0.bbappend': 'O .= "+lo-exact"\n',
    'lo/recipes-x/app/app_%.bbappend': 'O .= "+lo-any"\n',
    'hi/recipes-x/masked/app_1.0.bbappend': 'O .= "+masked"\n',
  });
  t.is(value(recipeStore(dir, 'lo/recipes-x/app/app_1.0.bb'), 'O'), 'r+lo-any+lo-exact+hi');
});

test('a bbappend without a recipe is an error, BB_DANGLINGAPPENDS_WARNONLY or not (BitBake 2.x removed it)', (t) => {
  const files = {
    'conf/bitbake.conf': PRELUDE,
    'meta/recipes-a/a/a_1.0.bb': 'A = "1"\n',
    'meta/recipes-a/b/b_1.0.bbappend': 'B = "1"\n',
  };
  const strict = parseAll(openLayer(makeLayer(files)));
  t.is(strict.errors.length, 1);
  t.regex(strict.errors[0]?.message ?? '', /b_1\.0\.bbappend/);
  const stale = parseAll(openLayer(makeLayer({ ...files, 'conf/bitbake.conf': PRELUDE + 'BB_DANGLINGAPPENDS_WARNONLY = "1"\n' })));
  t.is(stale.errors.length, 1);
  t.regex(stale.errors[0]?.hint ?? '', /BB_DANGLINGAPPENDS_WARNONLY has no effect/);
});

test('layer series are expanded, de-duplicated and sorted', (t) => {
  const dir = makeLayer({
    'conf/bitbake.conf': PRELUDE,
    'conf/bblayers.conf': 'BBPATH = "${TOPDIR}"\nBBLAYERS = "${TOPDIR}/core"\n',
    'core/conf/layer.conf': layerConf('core', '5', 'LAYERSERIES_CORENAMES = "b a b"\nLAYERSERIES_COMPAT_core = "b ${X}"\nX = "a"\n'),
  });
  const s = configStore(dir);
  t.is(value(s, 'LAYERSERIES_CORENAMES'), 'a b');
  t.is(value(s, 'LAYERSERIES_COMPAT_core'), 'a b');
});
