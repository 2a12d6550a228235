# Packaging, as oe-core's package.bbclass lays it out: do_package divides ${D} into the
# packages of PACKAGES (FILES:<pkg> decides, conf/bitbake.conf has the defaults) and writes
# each package's payload to ${PKGDEST}/<pkg>/ with its format-free description
# ${PKGDEST}/<pkg>.spec.json; do_packagedata publishes the recipe's package data in
# ${PKGDATA_DIR}. Both are TypeScript builtins (engine/package/split); the python bodies
# below only stand in for them. Both are shared state.

# The python functions a recipe adds to split its own way run in this order;
# package_do_split_locales makes a package per locale and populate_packages is the split itself
# (built in; functions before it see ${PKGD}, after it ${PKGDEST}).
PACKAGESPLITFUNCS ?= "package_do_split_locales populate_packages"

# Per-package variables do_package reads, for its signature (oe-core's PACKAGEVARS).
PACKAGEVARS = "FILES RDEPENDS RRECOMMENDS RSUGGESTS RPROVIDES RCONFLICTS RREPLACES SUMMARY DESCRIPTION SECTION PRIORITY LICENSE HOMEPAGE MAINTAINER ALLOW_EMPTY PKGE PKGV PKGR PACKAGE_ARCH CONFFILES PRIVATE_LIBS INSANE_SKIP pkg_preinst pkg_postinst pkg_prerm pkg_postrm pkg_postinst_ontarget"

# Dependency chains (oe-core's DEPCHAIN_*): a package named with one of these suffixes or
# prefixes recommends the same kind of package of what the recipe depends on (app-dev
# recommends libdemo-dev); RRECOMMENDS:<pkg>[nodeprrecs] = "1" turns it off for a package.
DEPCHAIN_PRE ?= ""
DEPCHAIN_POST ?= "-dev -dbg"

# QA levels (oe-core's insane.bbclass); INSANE_SKIP:<pkg> silences a check for one package.
ERROR_QA ?= "installed-vs-shipped expanded-d"
WARN_QA ?= "script-abs-path legacy-script-name"

def tsbake_package_vardeps(d):
    names = (d.getVar("PACKAGEVARS") or "").split()
    packages = (d.getVar("PACKAGES") or "").split()
    return " ".join(names + [n + ":" + p for p in packages for n in names])

# The format of the spec files do_package writes (2: regular files carry their md5): a new
# one is a new signature, so shared state from an older tsbake is not restored in its place.
PACKAGE_SPEC_VERSION = "2"

python do_package() {
    bb.fatal("do_package is built into tsbake; this body never runs")
}
do_package[vardeps] = "PACKAGE_SPEC_VERSION PACKAGES PN PE PV PR D PKGD PKGDEST PKGDESTWORK PKGDATA_DIR PACKAGESPLITFUNCS ${PACKAGESPLITFUNCS} PACKAGE_NO_LOCALE LOCALEBASEPN LOCALE_PATHS INHIBIT_PACKAGE_STRIP INHIBIT_PACKAGE_DEBUG_SPLIT OBJCOPY READELF PACKAGE_DEBUG_SPLIT_STYLE CFLAGS ASSUME_SHLIBS DEPENDS DEPCHAIN_PRE DEPCHAIN_POST DEPCHAIN_DBGDEFAULTDEPS ERROR_QA WARN_QA SOURCE_DATE_EPOCH SDE_FILE SOURCE_DATE_EPOCH_FALLBACK ${@tsbake_package_vardeps(d)}"
do_package[vardepsexclude] = "populate_packages package_do_split_locales"
do_package[dirs] = "${PKGD}"
do_package[cleandirs] = "${PKGD} ${PKGDEST} ${PKGDESTWORK}"
# Other recipes' shared-library and pkg-config providers must be in PKGDATA_DIR first.
do_package[deptask] = "do_packagedata"
do_package[sstate-plaindirs] = "${PKGDEST} ${PKGDESTWORK}"
SSTATETASKS += "do_package"
addtask package after do_install before do_build
addtask package_setscene

PKGDATA_STAGING = "${WORKDIR}/pkgdata-pdata-input"
python do_packagedata() {
    bb.fatal("do_packagedata is built into tsbake; this body never runs")
}
do_packagedata[vardeps] = "PKGDESTWORK PKGDATA_STAGING"
do_packagedata[dirs] = "${PKGDATA_STAGING}"
do_packagedata[cleandirs] = "${PKGDATA_STAGING}"
do_packagedata[sstate-inputdirs] = "${PKGDATA_STAGING}"
do_packagedata[sstate-outputdirs] = "${PKGDATA_DIR}"
SSTATETASKS += "do_packagedata"
addtask packagedata after do_package before do_build
addtask packagedata_setscene

# oe-core's helper for PACKAGESPLITFUNCS: one package per file of `root` matching
# `file_regex`, named by `output_pattern % match.group(1)`; returns the new package names.
def do_split_packages(d, root, file_regex, output_pattern, description, postinst=None, recursive=False, hook=None, extra_depends=None, aux_files_pattern=None, postrm=None, allow_dirs=False, prepend=False, match_path=False, aux_files_pattern_verbatim=None, allow_links=False, summary=None):
    import os, re
    dvar = d.getVar("PKGD")
    root = d.expand(root)
    output_pattern = d.expand(output_pattern)
    extra_depends = d.getVar("PN") if extra_depends is None else d.expand(extra_depends)
    packages = (d.getVar("PACKAGES") or "").split()
    top = os.path.join(dvar, root.lstrip("/"))
    if not os.path.isdir(top):
        return []
    names = []
    for walkroot, dirs, files in os.walk(top):
        for name in sorted(files + (dirs if allow_dirs else [])):
            path = os.path.join(walkroot, name)
            rel = os.path.relpath(path, top)
            m = re.match(file_regex, rel if match_path else name)
            if not m or (os.path.islink(path) and not allow_links) or (os.path.isdir(path) and not allow_dirs):
                continue
            pkg = output_pattern % m.group(1).lower()
            names.append(pkg)
            if pkg not in packages:
                packages = [pkg] + packages if prepend else packages + [pkg]
            target = "/" + os.path.relpath(path, dvar)
            d.setVar("FILES:" + pkg, ((d.getVar("FILES:" + pkg) or "") + " " + target).strip())
            if extra_depends:
                d.setVar("RDEPENDS:" + pkg, ((d.getVar("RDEPENDS:" + pkg) or "") + " " + extra_depends).strip())
            if not d.getVar("DESCRIPTION:" + pkg):
                d.setVar("DESCRIPTION:" + pkg, description % m.group(1))
            if summary and not d.getVar("SUMMARY:" + pkg):
                d.setVar("SUMMARY:" + pkg, summary % m.group(1))
            if postinst:
                d.setVar("pkg_postinst:" + pkg, postinst)
            if postrm:
                d.setVar("pkg_postrm:" + pkg, postrm)
            if hook:
                hook(path, pkg, file_regex, output_pattern, m.group(1))
        if not recursive:
            break
    d.setVar("PACKAGES", " ".join(packages))
    return names
