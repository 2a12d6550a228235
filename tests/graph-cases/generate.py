#!/usr/bin/env python3
"""Generates the `-g` conformance cases in this directory from real BitBake.

Each scenario is a small layer (configuration, a base class with task flags, recipes) and a
command line. The script writes the layer into a temporary directory, runs `bitbake ARGS` there
and stores what BitBake wrote: the task-depends.dot edges and nodes and pn-buildlist, or, when
BitBake fails, its ERROR lines. Only the stored results matter; tests/graph-conformance.test.ts
runs `tsbake ARGS` on the same files and compares.

    python3 tests/graph-cases/generate.py [--bitbake /work/bitbake] [--jobs 2] [--only SUBSTR]
"""
import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

CONF = """CACHE = "${TOPDIR}/cache"
BBFILES += "${TOPDIR}/meta/recipes-*/*/*.bb ${TOPDIR}/meta/recipes-*/*/*.bbappend"
PN = "${@bb.parse.vars_from_file(d.getVar('FILE', False),d)[0] or 'defaultpkgname'}"
PV = "${@bb.parse.vars_from_file(d.getVar('FILE', False),d)[1] or '1.0'}"
PR = "r0"
TMPDIR = "${TOPDIR}/tmp"
WORKDIR = "${TMPDIR}/work/${PN}"
T = "${WORKDIR}/temp"
STAMP = "${TMPDIR}/stamps/${PN}"
"""


def task(name, addtask):
    return "do_%s() {\n\t:\n}\naddtask %s\n" % (name, addtask)


BASE_TASKS = "".join([
    task("fetch", "fetch"),
    task("unpack", "unpack after do_fetch"),
    task("configure", "configure after do_unpack"),
    task("compile", "compile after do_configure"),
    task("install", "install after do_compile"),
    task("populate_sysroot", "populate_sysroot after do_install"),
    task("package", "package after do_install"),
    task("package_write", "package_write after do_package"),
    'do_build[noexec] = "1"\n',
    "addtask build after do_populate_sysroot do_package_write\n",
])

# Task-flag sets for the base class: each is a way BitBake links tasks across recipes.
FLAGSETS = {
    "rdeptask": 'do_package_write[rdeptask] = "do_package"\n',
    "both": 'do_configure[deptask] = "do_populate_sysroot"\ndo_package_write[rdeptask] = "do_package"\n',
    "recself": 'do_configure[deptask] = "do_populate_sysroot"\ndo_build[recrdeptask] = "do_build"\n',
    "recmixed": 'do_package_write[rdeptask] = "do_package"\ndo_build[recrdeptask] = "do_build do_package_write"\n',
    "recother": 'do_build[recrdeptask] = "do_populate_sysroot"\n',
    "recideptask": (
        'do_configure[deptask] = "do_populate_sysroot"\n'
        + task("extra", "extra after do_fetch")
        + task("gather", "gather after do_unpack before do_build")
        + 'do_gather[recrdeptask] = "do_install"\ndo_gather[recideptask] = "do_extra"\n'
    ),
    "rdeps-depends": 'do_install[rdeptask] = "do_install"\ndo_compile[deptask] = "do_install"\n',
}

NATIVE_CLASS = 'CLASSOVERRIDE = "class-native"\n'


def recipe(path, text=""):
    return ("meta/recipes-x/%s" % path, text)


# Worlds: recipe sets and configuration, each with the command lines it is checked with.
WORLDS = {}


def world(name, description, recipes, conf="", targets=(), classes=None, files=None):
    WORLDS[name] = {
        "description": description,
        "recipes": dict(recipes),
        "conf": conf,
        "targets": [list(t) for t in targets],
        "classes": classes or {},
        "files": files or {},
    }


world(
    "nopackages",
    "no PACKAGES: each recipe provides its own PN as a runtime package (RDEPENDS, RPROVIDES:${PN}, RPROVIDES without suffix)",
    [
        recipe("a/a_1.0.bb", 'DEPENDS = "b"\nRDEPENDS:${PN} = "c bee"\n'),
        recipe("b/b_1.0.bb", 'RPROVIDES:${PN} = "bee"\n'),
        recipe("c/c_1.0.bb", 'RDEPENDS = "dee"\n'),
        recipe("d/d_1.0.bb", 'RPROVIDES = "dee"\n'),
        recipe("e/e_1.0.bb", 'RDEPENDS:${PN} = "d"\n'),
    ],
    targets=[["a"], ["e"], ["a", "e"], ["-c", "install", "a"], ["a", "d:do_compile"], ["e:do_package_write"]],
)
world(
    "emptypackages",
    "PACKAGES set but empty behaves as unset; a listed package without FILES still provides",
    [
        recipe("a/a_1.0.bb", 'PACKAGES = ""\nRDEPENDS:${PN} = "b-extra"\n'),
        recipe("b/b_1.0.bb", 'PACKAGES = "${PN} ${PN}-extra"\nRDEPENDS:${PN}-extra = "c"\n'),
        recipe("c/c_1.0.bb", 'PACKAGES = ""\nRPROVIDES:c = "cee"\n'),
        recipe("d/d_1.0.bb", 'PACKAGES = "${PN}-only"\nRDEPENDS:${PN} = "a"\nRDEPENDS:${PN}-only = "cee"\n'),
    ],
    targets=[["a"], ["d"], ["a", "-c", "package_write"], ["d", "c:do_install"]],
)
world(
    "pkgrdepends",
    "RDEPENDS without a package suffix applies to every package; packages named like other recipes",
    [
        recipe("a/a_1.0.bb", 'PACKAGES = "${PN} ${PN}-dev ${PN}-doc"\nRDEPENDS = "b"\nRDEPENDS:${PN}-doc = "docs"\n'),
        recipe("b/b_1.0.bb", 'PACKAGES = "${PN} docs"\n'),
        recipe("docs/docs_1.0.bb", ""),
        recipe("c/c_1.0.bb", 'RDEPENDS:${PN} = "a-dev"\n'),
    ],
    targets=[["a"], ["c"], ["docs"], ["c", "docs:do_install"]],
)
world(
    "providers",
    "PROVIDES virtual/x by two recipes, with and without PREFERRED_PROVIDER",
    [
        recipe("app/app_1.0.bb", 'DEPENDS = "virtual/x tool"\n'),
        recipe("p1/p1_1.0.bb", 'PROVIDES = "virtual/x"\n'),
        recipe("p2/p2_1.0.bb", 'PROVIDES = "virtual/x"\nDEPENDS = "tool"\n'),
        recipe("tool/tool_1.0.bb", ""),
    ],
    conf='PREFERRED_PROVIDER_virtual/x = "p2"\n',
    targets=[["app"], ["virtual/x"], ["virtual/x:do_configure"], ["app", "virtual/x:do_install"], ["-c", "compile", "app", "tool"], ["p1"]],
)
world(
    "providers-nopref",
    "two providers and no PREFERRED_PROVIDER: the first in name order wins",
    [
        recipe("app/app_1.0.bb", 'DEPENDS = "virtual/x"\n'),
        recipe("zz/zz_1.0.bb", 'PROVIDES = "virtual/x"\n'),
        recipe("mm/mm_1.0.bb", 'PROVIDES = "virtual/x"\nDEPENDS = "zz"\n'),
    ],
    targets=[["app"], ["virtual/x"], ["app", "zz:do_compile"]],
)
world(
    "provides-own-name",
    "a recipe that PROVIDES the PN of another recipe",
    [
        recipe("app/app_1.0.bb", 'DEPENDS = "lib"\n'),
        recipe("lib/lib_1.0.bb", ""),
        recipe("newlib/newlib_1.0.bb", 'PROVIDES = "lib"\n'),
    ],
    targets=[["app"], ["lib"], ["newlib", "app"]],
)
world(
    "versions",
    "two versions of a recipe: PREFERRED_VERSION (exact, %, unmatched), DEFAULT_PREFERENCE",
    [
        recipe("app/app_1.0.bb", 'DEPENDS = "tool"\n'),
        recipe("tool/tool_1.0.bb", 'DEPENDS = "old"\n'),
        recipe("tool/tool_2.0.bb", 'DEPENDS = "new"\n'),
        recipe("old/old_1.0.bb", ""),
        recipe("new/new_1.0.bb", ""),
        recipe("lib/lib_1.0.bb", 'DEPENDS = "old"\n'),
        recipe("lib/lib_2.0.bb", 'DEFAULT_PREFERENCE = "-1"\nDEPENDS = "new"\n'),
    ],
    targets=[["app"], ["app", "lib"], ["tool:do_configure"]],
)
world(
    "versions-pref",
    "PREFERRED_VERSION picks the older version",
    [
        recipe("app/app_1.0.bb", 'DEPENDS = "tool lib"\n'),
        recipe("tool/tool_1.0.bb", 'DEPENDS = "old"\n'),
        recipe("tool/tool_2.0.bb", 'DEPENDS = "new"\n'),
        recipe("old/old_1.0.bb", ""),
        recipe("new/new_1.0.bb", ""),
        recipe("lib/lib_1.1.bb", 'DEPENDS = "old"\n'),
        recipe("lib/lib_2.0.bb", 'DEPENDS = "new"\n'),
    ],
    conf='PREFERRED_VERSION_tool = "1.0"\nPREFERRED_VERSION_lib = "1.%"\n',
    targets=[["app"], ["tool", "lib"]],
)
world(
    "rproviders",
    "two recipes RPROVIDE one name: PREFERRED_RPROVIDER, PREFERRED_PROVIDER of a provide, a package named like the runtime name",
    [
        recipe("app/app_1.0.bb", 'RDEPENDS:${PN} = "svc"\n'),
        recipe("s1/s1_1.0.bb", 'RPROVIDES:${PN} = "svc"\n'),
        recipe("s2/s2_1.0.bb", 'PROVIDES = "virtual/svc"\nRPROVIDES:${PN} = "svc"\n'),
        recipe("user/user_1.0.bb", 'RDEPENDS:${PN} = "s1"\n'),
    ],
    conf='PREFERRED_RPROVIDER_svc = "s2"\n',
    targets=[["app"], ["app", "user"], ["-c", "package", "app"]],
)
world(
    "rproviders-provider",
    "runtime choice through PREFERRED_PROVIDER of a build-time provide",
    [
        recipe("app/app_1.0.bb", 'RDEPENDS:${PN} = "svc"\n'),
        recipe("s1/s1_1.0.bb", 'RPROVIDES:${PN} = "svc"\n'),
        recipe("s2/s2_1.0.bb", 'PROVIDES = "virtual/svc"\nRPROVIDES:${PN} = "svc"\n'),
    ],
    conf='PREFERRED_PROVIDER_virtual/svc = "s2"\n',
    targets=[["app"], ["virtual/svc", "app"]],
)
world(
    "rproviders-nopref",
    "two runtime providers and no preference, and a package that shares a runtime name",
    [
        recipe("app/app_1.0.bb", 'RDEPENDS:${PN} = "svc"\n'),
        recipe("s1/s1_1.0.bb", 'RPROVIDES:${PN} = "svc"\n'),
        recipe("svc/svc_1.0.bb", ""),
    ],
    targets=[["app"]],
)
world(
    "dynamic",
    "PACKAGES_DYNAMIC: a runtime name matched by a pattern",
    [
        recipe("app/app_1.0.bb", 'RDEPENDS:${PN} = "plug-foo"\n'),
        recipe("plug/plug_1.0.bb", 'PACKAGES_DYNAMIC = "^plug-.*"\n'),
    ],
    targets=[["app"]],
)
world(
    "rrecommends",
    "RRECOMMENDS count as runtime dependencies for [rdeptask]",
    [
        recipe("app/app_1.0.bb", 'RRECOMMENDS:${PN} = "rec"\n'),
        recipe("rec/rec_1.0.bb", ""),
    ],
    targets=[["app"]],
)
world(
    "extend",
    "BBCLASSEXTEND native: separate recipes, DEPENDS on -native names, targets of both",
    [
        recipe("app/app_1.0.bb", 'DEPENDS = "tool-native lib"\n'),
        recipe("tool/tool_1.0.bb", 'BBCLASSEXTEND = "native"\nDEPENDS = "lib"\nDEPENDS:class-native = "lib-native"\n'),
        recipe("lib/lib_1.0.bb", 'BBCLASSEXTEND = "native"\nRDEPENDS:${PN} = "rt"\n'),
        recipe("rt/rt_1.0.bb", 'BBCLASSEXTEND = "native"\n'),
    ],
    targets=[["app"], ["tool-native"], ["tool", "tool-native:do_install"], ["-c", "configure", "lib-native", "app"]],
    classes={"native": NATIVE_CLASS},
)
world(
    "tasks",
    "addtask/deltask in recipes, [depends] and [rdepends] on other recipes' tasks",
    [
        recipe("app/app_1.0.bb", (
            'DEPENDS = "lib"\ndeltask do_unpack\n'
            'do_compile[depends] = "helper:do_install"\n'
            'do_install[rdepends] = "rt:do_package"\n'
            + task("deploy", "deploy after do_install before do_build")
            + 'do_deploy[depends] = "virtual/gen:do_populate_sysroot"\n'
        )),
        recipe("lib/lib_1.0.bb", "deltask do_package_write\n"),
        recipe("helper/helper_1.0.bb", task("prep", "prep before do_configure after do_fetch")),
        recipe("rt/rt_1.0.bb", 'PACKAGES = "${PN} rt-extra"\nRPROVIDES:rt-extra = "runtime-thing"\n'),
        recipe("gen/gen_1.0.bb", 'PROVIDES = "virtual/gen"\n'),
    ],
    targets=[["app"], ["app", "helper:do_prep"], ["-c", "deploy", "app"], ["app:do_compile", "lib"], ["-c", "install", "app", "lib"]],
)
world(
    "assume",
    "ASSUME_PROVIDED names are not built",
    [
        recipe("app/app_1.0.bb", 'DEPENDS = "hosttool lib"\nRDEPENDS:${PN} = "hostrt"\n'),
        recipe("lib/lib_1.0.bb", ""),
        recipe("hosttool/hosttool_1.0.bb", ""),
    ],
    conf='ASSUME_PROVIDED = "hosttool hostrt"\n',
    targets=[["app"]],
)
world(
    "missing",
    "a runtime or build-time name nobody provides is an error",
    [
        recipe("a/a_1.0.bb", 'RDEPENDS:${PN} = "nothing-here"\n'),
        recipe("b/b_1.0.bb", 'DEPENDS = "nobody"\n'),
        recipe("c/c_1.0.bb", 'PACKAGES = "${PN}-x"\nRPROVIDES:${PN} = "cee"\n'),
        recipe("d/d_1.0.bb", 'RDEPENDS:${PN} = "cee"\n'),
    ],
    targets=[["a"], ["b"], ["d"], ["zzz"], ["a:do_nonexistent"]],
)

world(
    "world",
    "world: not EXCLUDE_FROM_WORLD, no virtual/ provide, no provide shared with another PN, has the task; universe: every PN; calculate_extra_depends adds DEPENDS",
    [
        recipe("app/app_1.0.bb", 'DEPENDS = "lib"\n'),
        recipe("lib/lib_1.0.bb", ""),
        recipe("excl/excl_1.0.bb", 'EXCLUDE_FROM_WORLD = "1"\n'),
        recipe("virt/virt_1.0.bb", 'PROVIDES = "virtual/thing"\n'),
        recipe("alt1/alt1_1.0.bb", 'PROVIDES = "shared"\n'),
        recipe("alt2/alt2_1.0.bb", 'PROVIDES = "shared"\n'),
        recipe("nocompile/nocompile_1.0.bb", "deltask do_compile\n"),
        recipe("collector/collector_1.0.bb", (
            'EXCLUDE_FROM_WORLD = "1"\nSKIPPED = "lib"\n'
            "python calculate_extra_depends() {\n"
            "    for p in sorted(world_target):\n"
            "        if p != self_pn and p not in '${SKIPPED}'.split() and p in pkg_pn:\n"
            "            deps.append(p)\n"
            "}\n"
        )),
    ],
    conf='PREFERRED_PROVIDER_shared = "alt1"\nBB_MULTI_PROVIDER_ALLOWED = "shared"\n',
    targets=[["world"], ["-c", "compile", "world"], ["universe"], ["collector"], ["world", "collector"]],
)

SKIP = "python () {\n    raise bb.parse.SkipRecipe('not for this build')\n}\n"
world(
    "skip",
    "recipes skipped by anonymous python: another provider or version takes over, a dependency on a skipped recipe fails",
    [
        recipe("app/app_1.0.bb", 'DEPENDS = "virtual/x tool"\n'),
        recipe("p1/p1_1.0.bb", 'PROVIDES = "virtual/x"\n' + SKIP),
        recipe("p2/p2_1.0.bb", 'PROVIDES = "virtual/x"\n'),
        recipe("tool/tool_1.0.bb", ""),
        recipe("tool/tool_2.0.bb", SKIP),
        recipe("broken/broken_1.0.bb", 'DEPENDS = "p1"\n'),
        recipe("rbroken/rbroken_1.0.bb", 'RDEPENDS:${PN} = "p1"\n'),
    ],
    targets=[["app"], ["broken"], ["rbroken"], ["p1"], ["tool", "virtual/x"]],
)
world(
    "skip-pref",
    "the preferred provider and the preferred version are skipped",
    [
        recipe("app/app_1.0.bb", 'DEPENDS = "virtual/x tool"\n'),
        recipe("p1/p1_1.0.bb", 'PROVIDES = "virtual/x"\n' + SKIP),
        recipe("p2/p2_1.0.bb", 'PROVIDES = "virtual/x"\n'),
        recipe("tool/tool_1.0.bb", SKIP),
        recipe("tool/tool_2.0.bb", ""),
    ],
    conf='PREFERRED_PROVIDER_virtual/x = "p1"\nPREFERRED_VERSION_tool = "1.0"\n',
    targets=[["app"], ["tool"]],
)


def layer_conf(name, priority):
    return (
        'BBPATH .= ":${LAYERDIR}"\n'
        'BBFILES += "${LAYERDIR}/recipes/*/*.bb ${LAYERDIR}/recipes/*/*.bbappend"\n'
        'BBFILE_COLLECTIONS += "%s"\nBBFILE_PATTERN_%s = "^${LAYERDIR}/"\nBBFILE_PRIORITY_%s = "%s"\n' % (name, name, name, priority)
    )


world(
    "layers",
    "two layers: the higher BBFILE_PRIORITY wins over a newer version, PREFERRED_VERSION crosses layers, bbappends of both apply",
    [recipe("app/app_1.0.bb", 'DEPENDS = "tool lib other"\n')],
    conf='PREFERRED_VERSION_other = "1.0"\n',
    files={
        "conf/bblayers.conf": 'BBLAYERS = "${TOPDIR}/la ${TOPDIR}/lb"\n',
        "la/conf/layer.conf": layer_conf("la", 10),
        "lb/conf/layer.conf": layer_conf("lb", 5),
        "la/recipes/tool/tool_1.0.bb": 'DEPENDS = "old"\n',
        "lb/recipes/tool/tool_2.0.bb": 'DEPENDS = "new"\n',
        "la/recipes/other/other_2.0.bb": "",
        "lb/recipes/other/other_1.0.bb": 'DEPENDS = "new"\n',
        "lb/recipes/lib/lib_1.0.bb": "",
        "la/recipes/lib/lib_%.bbappend": 'DEPENDS += "old"\n',
        "lb/recipes/lib/lib_1.0.bbappend": 'DEPENDS += "new"\n',
        "lb/recipes/old/old_1.0.bb": "",
        "la/recipes/new/new_1.0.bb": "",
    },
    targets=[["app"], ["tool", "lib"]],
)
world(
    "versions-order",
    "version comparison: 1.10 over 1.9, PE over a newer PV, +git suffixes, DEFAULT_PREFERENCE 1, PREFERRED_VERSION with an epoch or matching nothing",
    [
        recipe("app/app_1.0.bb", 'DEPENDS = "num ep git dp pe miss"\n'),
        recipe("num/num_1.9.bb", 'DEPENDS = "a"\n'),
        recipe("num/num_1.10.bb", 'DEPENDS = "b"\n'),
        recipe("ep/ep_1.0.bb", 'PE = "1"\nDEPENDS = "a"\n'),
        recipe("ep/ep_2.0.bb", 'DEPENDS = "b"\n'),
        recipe("git/git_1.0.bb", 'DEPENDS = "a"\n'),
        recipe("git/git_1.0+git.bb", 'DEPENDS = "b"\n'),
        recipe("dp/dp_1.0.bb", 'DEFAULT_PREFERENCE = "1"\nDEPENDS = "a"\n'),
        recipe("dp/dp_2.0.bb", 'DEPENDS = "b"\n'),
        recipe("pe/pe_1.0.bb", 'PE = "2"\nDEPENDS = "a"\n'),
        recipe("pe/pe_3.0.bb", 'PE = "1"\nDEPENDS = "b"\n'),
        recipe("miss/miss_1.0.bb", 'DEPENDS = "a"\n'),
        recipe("miss/miss_2.0.bb", 'DEPENDS = "b"\n'),
        recipe("a/a_1.0.bb", ""),
        recipe("b/b_1.0.bb", ""),
    ],
    conf='PREFERRED_VERSION_pe = "1:3.0"\nPREFERRED_VERSION_miss = "5.0"\n',
    targets=[["app"]],
)

EXTEND_CLASS = (
    'CLASSOVERRIDE = "class-%s"\n'
    "python () {\n"
    "    deps = (d.getVar('DEPENDS') or '').split()\n"
    "    d.setVar('DEPENDS', ' '.join(x if x.endswith('-%s') else x + '-%s' for x in deps))\n"
    "}\n"
)
world(
    "extend-sdk",
    "BBCLASSEXTEND native and nativesdk: classes that map DEPENDS but not PROVIDES, so a virtual provide is shared; overrides per class",
    [
        recipe("app/app_1.0.bb", 'DEPENDS = "tool-nativesdk lib"\n'),
        recipe("tool/tool_1.0.bb", 'BBCLASSEXTEND = "native nativesdk"\nDEPENDS = "lib"\nDEPENDS:append:class-nativesdk = " extra"\n'),
        recipe("lib/lib_1.0.bb", 'BBCLASSEXTEND = "nativesdk native"\n'),
        recipe("extra/extra_1.0.bb", 'BBCLASSEXTEND = "nativesdk"\n'),
        recipe("vp/vp_1.0.bb", 'BBCLASSEXTEND = "native"\nPROVIDES = "virtual/vp"\n'),
        recipe("user/user_1.0.bb", 'DEPENDS = "virtual/vp"\n'),
    ],
    targets=[["app"], ["tool-native", "lib-nativesdk"], ["user"], ["virtual/vp"]],
    classes={c: EXTEND_CLASS % (c, c, c) for c in ("native", "nativesdk")},
)
world(
    "deps-ops",
    "DEPENDS changed by :append, :remove and overrides, [depends] with ${PN} and a virtual name, a task added by anonymous python",
    [
        recipe("app/app_1.0.bb", (
            'DEPENDS = "a b c"\nDEPENDS:remove = "b"\nDEPENDS:append = " d"\nDEPENDS:remove:mine = "c"\n'
            'do_install[depends] += "${PN}-helper:do_compile virtual/v:do_install"\n'
            'python () {\n    bb.build.addtask("do_late", "do_build", "do_compile", d)\n    d.setVarFlag("do_late", "depends", "e:do_package")\n}\n'
            'do_late() {\n\t:\n}\n'
        )),
        recipe("app-helper/app-helper_1.0.bb", ""),
        recipe("a/a_1.0.bb", ""),
        recipe("b/b_1.0.bb", ""),
        recipe("c/c_1.0.bb", ""),
        recipe("d/d_1.0.bb", 'PROVIDES = "virtual/v"\n'),
        recipe("e/e_1.0.bb", ""),
    ],
    conf='OVERRIDES = "mine"\n',
    targets=[["app"], ["-c", "late", "app"]],
)
world(
    "deltask-deps",
    "deleted tasks that other tasks name: in [depends] of another recipe, in a chain of addtask after/before, and as a -c target",
    [
        recipe("app/app_1.0.bb", (
            'DEPENDS = "lib"\n'
            + task("one", "one after do_fetch")
            + task("two", "two after do_one before do_build")
            + "deltask do_one\n"
        )),
        recipe("lib/lib_1.0.bb", "deltask do_install\n"),
        recipe("bad/bad_1.0.bb", 'do_compile[depends] = "lib:do_install"\n'),
        recipe("solo/solo_1.0.bb", "deltask do_compile\n"),
    ],
    targets=[["app"], ["bad"], ["-c", "compile", "solo", "lib"], ["-c", "two", "app"], ["solo:do_compile"]],
)
world(
    "mask",
    "BBMASK hides a provider and a version",
    [
        recipe("app/app_1.0.bb", 'DEPENDS = "virtual/x tool"\n'),
        recipe("p1/p1_1.0.bb", 'PROVIDES = "virtual/x"\n'),
        recipe("p2/p2_1.0.bb", 'PROVIDES = "virtual/x"\n'),
        recipe("tool/tool_1.0.bb", ""),
        recipe("tool/tool_2.0.bb", ""),
    ],
    conf='BBMASK = "recipes-x/p1/ tool_2"\n',
    targets=[["app"], ["p1"]],
)
world(
    "versions-req",
    "REQUIRED_VERSION, PREFERRED_VERSION through a pn- override, -rc versions, the same version in two files",
    [
        recipe("app/app_1.0.bb", 'DEPENDS = "req ovr rc"\n'),
        recipe("req/req_1.0.bb", 'DEPENDS = "a"\n'),
        recipe("req/req_2.0.bb", 'DEPENDS = "b"\n'),
        recipe("ovr/ovr_1.0.bb", 'DEPENDS = "a"\n'),
        recipe("ovr/ovr_2.0.bb", 'DEPENDS = "b"\n'),
        recipe("rc/rc_1.0.bb", 'DEPENDS = "a"\n'),
        recipe("rc/rc_1.0-rc1.bb", 'DEPENDS = "b"\n'),
        recipe("bad/bad_1.0.bb", ""),
        recipe("a/a_1.0.bb", ""),
        recipe("b/b_1.0.bb", ""),
    ],
    conf='REQUIRED_VERSION_req = "1.0"\nPREFERRED_VERSION_ovr = "2.0"\nPREFERRED_VERSION_ovr:pn-ovr = "1.0"\nREQUIRED_VERSION_bad = "3.0"\n',
    targets=[["app"], ["bad"]],
)
world(
    "dep-versions",
    "DEPENDS and RDEPENDS with version constraints, expressions and doubled names; [rdepends] and [depends] naming the recipe itself",
    [
        recipe("app/app_1.0.bb", (
            'DEPENDS = "lib (>= 1.0) ${@\'tool\'} lib"\nRDEPENDS:${PN} = "rt (= 1.0) rt2 (<1.0)"\n'
            'do_install[depends] = "${PN}:do_fetch"\n'
        )),
        recipe("lib/lib_1.0.bb", ""),
        recipe("tool/tool_1.0.bb", ""),
        recipe("rt/rt_1.0.bb", ""),
        recipe("rt2/rt2_1.0.bb", ""),
    ],
    targets=[["app"]],
)
world(
    "provider-variants",
    "PREFERRED_PROVIDER naming a -native variant or a plain PN that another recipe also PROVIDES; addtask after a task that does not exist",
    [
        recipe("app/app_1.0.bb", 'DEPENDS = "virtual/vp lib"\n' + task("extra", "extra after do_missing before do_build")),
        recipe("vp/vp_1.0.bb", 'BBCLASSEXTEND = "native"\nPROVIDES = "virtual/vp"\n'),
        recipe("vp2/vp2_1.0.bb", 'PROVIDES = "virtual/vp"\n'),
        recipe("lib/lib_1.0.bb", ""),
        recipe("newlib/newlib_1.0.bb", 'PROVIDES = "lib"\n'),
    ],
    conf='PREFERRED_PROVIDER_virtual/vp = "vp-native"\nPREFERRED_PROVIDER_lib = "newlib"\n',
    targets=[["app"], ["lib"], ["vp"]],
    classes={"native": NATIVE_CLASS},
)
world(
    "default-task",
    "BB_DEFAULT_TASK chooses the task of plain targets; tasks and flags from a bbappend",
    [
        recipe("app/app_1.0.bb", 'DEPENDS = "lib"\n'),
        recipe("lib/lib_1.0.bb", ""),
        recipe("lib/lib_%.bbappend", task("more", "more after do_compile before do_install") + 'do_more[depends] = "helper:do_fetch"\ndeltask do_package_write\n'),
        recipe("helper/helper_1.0.bb", ""),
    ],
    conf='BB_DEFAULT_TASK = "install"\n',
    targets=[["app"], ["lib", "-c", "build"]],
)
world(
    "world-extend",
    "world and universe with BBCLASSEXTEND variants, a skipped recipe, EXCLUDE_FROM_WORLD set by anonymous python; a target only RPROVIDED",
    [
        recipe("app/app_1.0.bb", 'DEPENDS = "tool-native"\n'),
        recipe("tool/tool_1.0.bb", 'BBCLASSEXTEND = "native"\n'),
        recipe("gone/gone_1.0.bb", SKIP),
        recipe("hide/hide_1.0.bb", 'python () {\n    d.setVar("EXCLUDE_FROM_WORLD", "1")\n}\n'),
        recipe("svc/svc_1.0.bb", 'RPROVIDES:${PN} = "service"\n'),
    ],
    targets=[["world"], ["universe"], ["service"], ["world", "-c", "install"]],
    classes={"native": NATIVE_CLASS},
)
world(
    "rdeps-mixed",
    "RRECOMMENDS of a PACKAGES_DYNAMIC name and of a missing name, two runtime providers of one name, [noexec] tasks, RDEPENDS from an expression",
    [
        recipe("app/app_1.0.bb", (
            'PACKAGES = "${PN} ${PN}-plugins"\nRRECOMMENDS:${PN} = "plug-foo"\n'
            'RDEPENDS:${PN}-plugins = "${@\'libz\'}"\ndo_compile[noexec] = "1"\n'
        )),
        recipe("plugins/plugins_1.0.bb", 'PACKAGES_DYNAMIC = "^plug-.*"\ndo_install[noexec] = "1"\n'),
        recipe("libz/libz_1.0.bb", 'RPROVIDES:${PN} = "libzz"\n'),
        recipe("libz2/libz2_1.0.bb", 'RPROVIDES:${PN} = "libz"\n'),
        recipe("user/user_1.0.bb", 'RDEPENDS:${PN} = "libzz plug-bar"\n'),
        recipe("opt/opt_1.0.bb", 'RRECOMMENDS:${PN} = "optional-missing"\n'),
    ],
    targets=[["app"], ["-c", "package_write", "app"], ["user"], ["plugins", "libz2"], ["opt"]],
)
world(
    "no-pn",
    "a configuration without PN: recipes are known by their file names, dependencies resolve through them",
    [
        recipe("a/a_1.0.bb", 'DEPENDS = "b"\nRDEPENDS:${PN} = "c"\n'),
        recipe("b/b_2.0.bb", ""),
        recipe("c/c_1.0.bb", 'PROVIDES = "virtual/c"\n'),
    ],
    conf='unset PN\n',
    targets=[["a"], ["virtual/c"], ["b:do_compile"]],
)
world(
    "cycles",
    "a DEPENDS loop between two recipes, and a task loop inside one recipe made by addtask after/before",
    [
        recipe("a/a_1.0.bb", 'DEPENDS = "b"\n'),
        recipe("b/b_1.0.bb", 'DEPENDS = "a"\n'),
        recipe("t/t_1.0.bb", task("x", "x after do_compile before do_configure")),
        recipe("ok/ok_1.0.bb", ""),
    ],
    targets=[["a"], ["t"], ["ok"]],
)
world(
    "task-targets",
    "[depends] on a task another recipe lacks, -c of a task one target lacks, a noexec task chain, recrdeptask through a nostamp task",
    [
        recipe("app/app_1.0.bb", 'DEPENDS = "lib"\ndo_install[depends] = "tool:do_nonexistent"\n'),
        recipe("lib/lib_1.0.bb", task("special", "special after do_compile") + 'do_special[noexec] = "1"\ndo_special[nostamp] = "1"\n'),
        recipe("tool/tool_1.0.bb", ""),
        recipe("top/top_1.0.bb", 'DEPENDS = "lib"\n'),
    ],
    targets=[["app"], ["-c", "special", "lib", "top"], ["top", "lib:do_special"], ["-c", "special", "top"]],
)
world(
    "provides-dup",
    "a recipe naming one provide twice (and its own PN) in PROVIDES, a provide with a version constraint, a dependency on both providers",
    [
        recipe("a/a_1.0.bb", 'PROVIDES += "virtual/x"\nPROVIDES += "virtual/x a"\n'),
        recipe("b/b_1.0.bb", 'PROVIDES = "virtual/y (= 1.0) b"\nDEPENDS = "a"\n'),
        recipe("c/c_1.0.bb", 'PROVIDES = "virtual/x"\n'),
        recipe("user/user_1.0.bb", 'DEPENDS = "virtual/y c"\n'),
    ],
    conf='PREFERRED_PROVIDER_virtual/x = "c"\n',
    targets=[["a"], ["virtual/x"], ["user"], ["b"]],
)
world(
    "unchosen-providers",
    "BitBake resolves the dependencies of every eligible provider, also those PREFERRED_(R)PROVIDER passed over: a missing one fails the build",
    [
        recipe("app/app_1.0.bb", 'DEPENDS = "virtual/x"\n'),
        recipe("good/good_1.0.bb", 'PROVIDES = "virtual/x"\n'),
        recipe("bad/bad_1.0.bb", 'PROVIDES = "virtual/x"\nDEPENDS = "nothing-here"\n'),
        recipe("rt1/rt1_1.0.bb", 'RPROVIDES:${PN} = "svc"\n'),
        recipe("rt2/rt2_1.0.bb", 'RPROVIDES:${PN} = "svc"\nRDEPENDS:${PN} = "gone"\n'),
        recipe("user/user_1.0.bb", 'RDEPENDS:${PN} = "svc"\n'),
        recipe("vy1/vy1_1.0.bb", 'PROVIDES = "virtual/y"\nDEPENDS = "helper"\n'),
        recipe("vy2/vy2_1.0.bb", 'PROVIDES = "virtual/y"\n'),
        recipe("helper/helper_1.0.bb", 'PROVIDES = "virtual/h"\n'),
        recipe("yuser/yuser_1.0.bb", 'DEPENDS = "virtual/y"\n'),
    ],
    conf='PREFERRED_PROVIDER_virtual/x = "good"\nPREFERRED_RPROVIDER_svc = "rt1"\nPREFERRED_PROVIDER_virtual/y = "vy2"\n',
    targets=[["app"], ["user"], ["good"], ["yuser"]],
)
world(
    "two-versions",
    "two versions of one PN reached (the newer by DEPENDS, the older through a package only it has): fatal only when tasks of both are needed",
    [
        recipe("b/b_1.0.bb", 'PACKAGES = "${PN} ${PN}-dev"\n'),
        recipe("b/b_2.0.bb", ""),
        recipe("app/app_1.0.bb", 'DEPENDS = "b"\nRDEPENDS:${PN} = "b-dev"\n'),
        recipe("app2/app2_1.0.bb", 'DEPENDS = "b"\nRDEPENDS:${PN} = "b-dev"\ndo_package_write[rdeptask] = ""\n'),
    ],
    targets=[["app"], ["app2"], ["--runall=fetch", "app2"]],
)
world(
    "all-assumed",
    "every target ASSUME_PROVIDED: an empty graph and no pn-buildlist, also with --runall/--runonly",
    [
        recipe("a/a_1.0.bb", ""),
        recipe("d/d_1.0.bb", ""),
    ],
    conf='ASSUME_PROVIDED += "d"\n',
    targets=[["d"], ["--runall=fetch", "d"], ["--runonly=fetch", "d"], ["d", "a"]],
)

# Which flag sets each world is checked with (all of them unless listed).
LIGHT = ["both", "recself", "recideptask"]
WORLD_FLAGS = {
    "providers-nopref": LIGHT,
    "provides-own-name": LIGHT,
    "versions-pref": LIGHT,
    "rproviders-provider": ["rdeptask", "recself"],
    "rproviders-nopref": ["rdeptask", "recself"],
    "dynamic": ["rdeptask", "recmixed"],
    "rrecommends": ["rdeptask", "recself", "recmixed"],
    "assume": ["both", "recself"],
    "missing": ["both"],
    "world": ["both", "recself"],
    "skip": ["both"],
    "skip-pref": ["both"],
    "layers": ["both"],
    "versions-order": ["both"],
    "extend-sdk": ["both", "recself"],
    "deps-ops": ["both", "recideptask"],
    "deltask-deps": ["both", "recself"],
    "mask": ["both"],
    "versions-req": ["both"],
    "dep-versions": ["both", "recself"],
    "provider-variants": ["both"],
    "default-task": ["both", "recmixed"],
    "world-extend": ["both"],
    "rdeps-mixed": ["both", "recself", "recmixed"],
    "cycles": ["both"],
    "all-assumed": ["both"],
    "two-versions": ["both"],
    "unchosen-providers": ["both", "recself"],
    "provides-dup": ["both"],
    "no-pn": ["both", "recself"],
    "task-targets": ["both", "recself"],
}


def scenarios():
    for wname, w in WORLDS.items():
        for fname in WORLD_FLAGS.get(wname, list(FLAGSETS)):
            for targets in w["targets"]:
                files = {
                    "conf/bitbake.conf": CONF + w["conf"],
                    "classes/base.bbclass": BASE_TASKS + FLAGSETS[fname],
                }
                for cname, ctext in w["classes"].items():
                    files["classes/%s.bbclass" % cname] = ctext
                files.update(w["recipes"])
                files.update(w["files"])
                slug = "_".join(re.sub(r"[^A-Za-z0-9]+", "-", t).strip("-") for t in targets)
                yield {
                    "name": "g_%s_%s_%s" % (wname, fname, slug),
                    "description": "%s; base class: %s" % (w["description"], fname),
                    "files": files,
                    "args": ["-g"] + targets,
                }


def parse_dot(text, layer):
    nodes, edges = [], []
    for line in text.splitlines():
        m = re.match(r'^"([^"]+)" -> "([^"]+)"$', line)
        if m:
            edges.append("%s -> %s" % (m.group(1), m.group(2)))
            continue
        m = re.match(r'^"([^"]+)" \[label="(.*)"\]$', line)
        if m:
            nodes.append("%s %s" % (m.group(1), m.group(2).replace(layer, "@LAYER@")))
    return sorted(nodes), sorted(edges)


def run_case(case, bitbake):
    with tempfile.TemporaryDirectory(prefix="tsbake-gcase-") as tmp:
        layer = os.path.realpath(tmp)
        for rel, text in case["files"].items():
            path = os.path.join(layer, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
        env = dict(os.environ, BBPATH=layer, LANG="en_US.UTF-8", LC_ALL="en_US.UTF-8")
        r = subprocess.run([os.path.join(bitbake, "bin", "bitbake")] + case["args"], cwd=layer, env=env,
                           capture_output=True, text=True, timeout=600)
        out = r.stdout + r.stderr
        if r.returncode != 0:
            errors = [l.replace(layer, "@LAYER@") for l in out.splitlines() if l.startswith("ERROR:")]
            return dict(case, expected={"status": r.returncode, "errors": errors})
        with open(os.path.join(layer, "task-depends.dot")) as f:
            nodes, edges = parse_dot(f.read(), layer)
        # With nothing to build (every target ASSUME_PROVIDED) BitBake writes no pn-buildlist.
        listing = os.path.join(layer, "pn-buildlist")
        buildlist = open(listing).read().split() if os.path.exists(listing) else None
        notes = [l.replace(layer, "@LAYER@") for l in out.splitlines() if l.startswith("NOTE: Multiple providers") or l.startswith("WARNING:")]
        return dict(case, expected={"status": 0, "pnBuildlist": buildlist, "nodes": nodes, "edges": edges, "notes": notes})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bitbake", default=os.path.join(HERE, "..", "..", "..", "bitbake"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", default="")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    cases = [c for c in scenarios() if args.only in c["name"]]
    if args.list:
        for c in cases:
            print(c["name"], " ".join(c["args"]))
        print(len(cases), "cases")
        return
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for done in pool.map(lambda c: run_case(c, os.path.abspath(args.bitbake)), cases):
            with open(os.path.join(HERE, done["name"] + ".json"), "w") as f:
                json.dump(done, f, indent=1, sort_keys=True)
                f.write("\n")
            e = done["expected"]
            print(done["name"], "status", e["status"], "edges" if e["status"] == 0 else "", len(e.get("edges", e.get("errors", []))), flush=True)


if __name__ == "__main__":
    sys.exit(main())
