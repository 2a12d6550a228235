# Inherited by every recipe: the standard task chain. Each task's shell body works inside
# the recipe's own directories (S, B, D, T), which bitbake.conf defines.

inherit staging package

# do_fetch, do_unpack and do_patch run in TypeScript (engine/fetch, bound by task name in
# engine/cli/builtins.ts); these bodies only name what the builtins read, for the signatures.
# FILESPATH: each FILESOVERRIDES directory of every base path, most specific first, so
# files/<machine>/x.patch beats files/x.patch (FILESEXTRAPATHS come before the base paths).
def base_set_filespath(path, d):
    extrapaths = (d.getVar("FILESEXTRAPATHS") or "").replace("__default:", "")
    if extrapaths != "":
        path = extrapaths.split(":") + path
    overrides = (":" + (d.getVar("FILESOVERRIDES") or "")).split(":")
    overrides.reverse()
    return ":".join(os.path.join(p, o) for o in overrides for p in path if p != "")

FILESPATH = "${@base_set_filespath(["${FILE_DIRNAME}/${BP}", "${FILE_DIRNAME}/${BPN}", "${FILE_DIRNAME}/files"], d)}"

# The revision of each git entry (AUTOREV resolved) is part of do_fetch's signature, through
# an empty function whose value is replaced, as BitBake's base.bbclass does it.
python fetcher_hashes_dummyfunc() {
    return
}
fetcher_hashes_dummyfunc[vardepvalue] = "${@bb.fetch.get_hashvalue(d)}"

python do_fetch() {
    bb.fetch2.Fetch((d.getVar('SRC_URI') or "").split(), d).download()
}
do_fetch[dirs] = "${DL_DIR}"
do_fetch[network] = "1"
do_fetch[prefuncs] += "fetcher_hashes_dummyfunc"
do_fetch[vardeps] += "SRCREV"
# Each local file's content is part of do_fetch's signature, so editing a patch reruns
# do_fetch and everything after it.
do_fetch[file-checksums] = "${@bb.fetch.get_checksum_file_list(d)}"

python do_unpack() {
    bb.fetch2.Fetch((d.getVar('SRC_URI') or "").split(), d).unpack(d.getVar('UNPACKDIR'))
}
do_unpack[dirs] = "${UNPACKDIR}"
do_unpack[cleandirs] = "${UNPACKDIR}"
do_unpack[vardeps] += "BB_GIT_DEFAULT_DESTSUFFIX"

python do_patch() {
    bb.fetch2.Fetch((d.getVar('SRC_URI') or "").split(), d).patch(d.getVar('S'))
}
do_patch[dirs] = "${S}"

do_configure() {
	:
}
do_configure[dirs] = "${B}"

do_compile() {
	:
}
do_compile[dirs] = "${B}"

do_install() {
	:
}
do_install[dirs] = "${B}"
do_install[cleandirs] = "${D}"
inherit_defer fakeroot-install

do_build[noexec] = "1"

addtask fetch
addtask unpack after do_fetch
addtask patch after do_unpack
addtask configure after do_patch
addtask compile after do_configure
addtask install after do_compile
addtask build after do_populate_sysroot

# DEPENDS: configure waits until every build dependency has staged its sysroot.
do_configure[deptask] = "do_populate_sysroot"
do_build[recrdeptask] = "do_build"
