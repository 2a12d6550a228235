SUMMARY = "Adds the 'demo' user and group at rootfs time (useradd), with fixed IDs"
LICENSE = "MIT"
inherit useradd allarch
GROUPADD_PARAM:${PN} = "-g 1200 demo"
USERADD_PARAM:${PN} = "-u 1200 -g demo -d /home/demo -s /bin/sh demo"
FILES:${PN} = "${datadir}/demo-account"

do_install() {
	install -d ${D}${datadir}/demo-account
	echo "The demo user's files." > ${D}${datadir}/demo-account/README
}
