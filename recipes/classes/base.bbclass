# Inherited by every recipe: the standard task chain. Each task's shell body works inside
# the recipe's own directories (S, B, D, T), which bitbake.conf defines.

inherit staging package

do_fetch() {
	:
}
do_fetch[dirs] = "${DL_DIR}"
do_fetch[network] = "1"

do_unpack() {
	:
}
do_unpack[dirs] = "${WORKDIR}"

do_patch() {
	:
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
