SUMMARY = "Miscellaneous files for the base system"
LICENSE = "GPL-2.0-only"

do_install() {
	install -d ${D}${sysconfdir}
	echo "${MACHINE}" > ${D}${sysconfdir}/hostname
}
