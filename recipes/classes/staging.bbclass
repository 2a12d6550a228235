# Sysroot staging, as in oe-core: do_populate_sysroot copies what other recipes build against
# from ${D} into ${SYSROOT_DESTDIR}. It is shared state: the engine moves that directory into
# the recipe's component directory, archives it in ${SSTATE_DIR}, and on a later build with
# the same signature restores it instead of running the task and everything before it.

SYSROOT_DESTDIR = "${WORKDIR}/sysroot-destdir"
COMPONENTS_DIR = "${TMPDIR}/sysroots-components"
SYSROOT_DIRS = "${includedir} ${libdir} ${base_libdir} ${datadir}/pkgconfig"
SYSROOT_DIRS:append:class-native = " ${bindir}"

SSTATE_VERSION = "1"
SSTATE_PKGARCH = "${PACKAGE_ARCH}"

do_populate_sysroot() {
	for dir in ${SYSROOT_DIRS}; do
		if [ -d "${D}$dir" ]; then
			mkdir -p "${SYSROOT_DESTDIR}$dir"
			cp -a "${D}$dir/." "${SYSROOT_DESTDIR}$dir/"
		fi
	done
}
do_populate_sysroot[dirs] = "${SYSROOT_DESTDIR}"
do_populate_sysroot[cleandirs] = "${SYSROOT_DESTDIR}"
do_populate_sysroot[sstate-inputdirs] = "${SYSROOT_DESTDIR}"
do_populate_sysroot[sstate-outputdirs] = "${COMPONENTS_DIR}/${PACKAGE_ARCH}/${PN}"
SSTATETASKS += "do_populate_sysroot"

addtask populate_sysroot after do_install
addtask populate_sysroot_setscene
