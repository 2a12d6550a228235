SUMMARY = "Demonstrates maintainer scripts, deferred postinsts, relations and conffiles"
LICENSE = "MIT"
SRC_URI = "file://pkgdemo.conf"

RPROVIDES:${PN} = "demo-service"
RCONFLICTS:${PN} = "olddemo (< 2.0)"
RREPLACES:${PN} = "olddemo"
CONFFILES:${PN} = "${sysconfdir}/pkgdemo.conf"

# Loose files from files/: they unpack straight into UNPACKDIR.
S = "${UNPACKDIR}"

do_install() {
	install -d ${D}${sysconfdir} ${D}${localstatedir}/lib/pkgdemo
	install -m 0644 pkgdemo.conf ${D}${sysconfdir}/pkgdemo.conf
}

# Every script records that it ran, with its arguments, in the root it installs to ($D is
# the image root at image time, empty on the target).
pkg_preinst:${PN}() {
	mkdir -p $D${localstatedir}/lib/pkgdemo
	echo "preinst $*" >> $D${localstatedir}/lib/pkgdemo/scripts.log
}
pkg_postinst:${PN}() {
	echo "postinst $*" >> $D${localstatedir}/lib/pkgdemo/scripts.log
}
pkg_prerm:${PN}() {
	echo "prerm $*" >> $D${localstatedir}/lib/pkgdemo/scripts.log
}
pkg_postrm:${PN}() {
	if [ -d $D${localstatedir}/lib/pkgdemo ]; then
		echo "postrm $*" >> $D${localstatedir}/lib/pkgdemo/scripts.log
	fi
}
# Runs on the target at first boot (deferred when the package is installed into an image).
pkg_postinst_ontarget:${PN}() {
	echo "first boot" >> ${localstatedir}/lib/pkgdemo/scripts.log
}
