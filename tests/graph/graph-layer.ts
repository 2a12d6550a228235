/**
 * A small layer whose task graph uses every dependency rule BitBake has: addtask after/before,
 * deltask, [depends], [deptask], [rdeptask], [recrdeptask] (self-referencing), [recideptask],
 * PROVIDES with PREFERRED_PROVIDER, PREFERRED_VERSION and RPROVIDES of a package. The expected
 * edges in the tests were checked against real BitBake 2.19's `bitbake -g` on this layer.
 */
import { makeLayer } from '../helpers/layer.js';

export const GRAPH_CONF = [
  'CACHE = "${TOPDIR}/cache"',
  'BBFILES += "${TOPDIR}/meta/recipes-*/*/*.bb"',
  `PN = "\${@bb.parse.vars_from_file(d.getVar('FILE', False),d)[0] or 'defaultpkgname'}"`,
  `PV = "\${@bb.parse.vars_from_file(d.getVar('FILE', False),d)[1] or '1.0'}"`,
  'PR = "r0"',
  'TMPDIR = "${TOPDIR}/tmp"',
  'WORKDIR = "${TMPDIR}/work/${PN}"',
  'T = "${WORKDIR}/temp"',
  'STAMP = "${TMPDIR}/stamps/${PN}"',
  'PACKAGES = "${PN} ${PN}-dev"',
  'PREFERRED_PROVIDER_virtual/lib = "libbar"',
  'PREFERRED_VERSION_tool = "1.0"',
  '',
].join('\n');

const task = (name: string, addtask: string): string => `do_${name}() {\n\t:\n}\naddtask ${addtask}\n`;

export const GRAPH_BASE = [
  task('fetch', 'fetch'),
  task('unpack', 'unpack after do_fetch'),
  task('patch', 'patch after do_unpack'),
  task('configure', 'configure after do_patch before do_compile'),
  'do_configure[deptask] = "do_populate_sysroot"\n',
  task('compile', 'compile'),
  task('install', 'install after do_compile'),
  task('populate_sysroot', 'populate_sysroot after do_install'),
  task('package', 'package after do_install'),
  task('package_write', 'package_write after do_package'),
  'do_package_write[rdeptask] = "do_package"\n',
  'do_build[noexec] = "1"\n',
  'do_build[recrdeptask] = "do_build do_package_write"\n',
  'addtask build after do_populate_sysroot do_package_write\n',
].join('');

const IMG = (recideptask: boolean): string =>
  [
    task('extra', 'extra'),
    'do_extra[depends] = "helper2:do_compile"',
    task('gather', 'gather before do_build'),
    'do_gather[recrdeptask] = "do_install"',
    recideptask ? 'do_gather[recideptask] = "do_extra"' : '',
    '',
  ].join('\n');

export const GRAPH_RECIPES: Readonly<Record<string, string>> = {
  'meta/recipes-x/app/app_1.0.bb': 'DEPENDS = "virtual/lib tool"\nRDEPENDS:${PN} = "runtime-thing"\ndeltask do_patch\ndo_compile[depends] = "helper:do_install"\n',
  'meta/recipes-x/libfoo/libfoo_1.0.bb': 'PROVIDES = "virtual/lib"\n',
  'meta/recipes-x/libbar/libbar_1.0.bb': 'PROVIDES = "virtual/lib"\n',
  'meta/recipes-x/tool/tool_1.0.bb': '',
  'meta/recipes-x/tool/tool_2.0.bb': '',
  'meta/recipes-x/rt/rt_1.0.bb': 'PACKAGES = "${PN} rt-extra"\nRPROVIDES:rt-extra = "runtime-thing"\nDEPENDS = "base-lib"\n',
  'meta/recipes-x/base-lib/base-lib_1.0.bb': '',
  'meta/recipes-x/helper/helper_1.0.bb': '',
  'meta/recipes-x/helper2/helper2_1.0.bb': '',
  'meta/recipes-x/img/img_1.0.bb': IMG(true),
  'meta/recipes-x/img2/img2_1.0.bb': IMG(false),
};

export function graphLayer(extraConf = '', extra: Readonly<Record<string, string>> = {}): string {
  return makeLayer({ 'conf/bitbake.conf': GRAPH_CONF + extraConf, 'classes/base.bbclass': GRAPH_BASE, ...GRAPH_RECIPES, ...extra });
}
