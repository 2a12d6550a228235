SUMMARY = "Miscellaneous files for the base system"
LICENSE = "GPL-2.0-only"

# The directory layout of the root filesystem, /etc/os-release from the distro settings and
# /etc/hostname from the machine.
BASEFILESDIRS = "/bin /boot /dev /etc /home /lib /mnt /proc /root /run /sbin /sys /tmp /usr/bin /usr/lib /usr/sbin /usr/share /var /var/lib /var/log /var/tmp"
FILES:${PN} = "${BASEFILESDIRS}"
PACKAGE_ARCH = "${MACHINE_ARCH}"

do_install() {
	for dir in ${BASEFILESDIRS}; do
		install -d -m 0755 ${D}$dir
	done
	chmod 1777 ${D}/tmp ${D}/var/tmp
	chmod 0700 ${D}/root
	echo "${MACHINE}" > ${D}${sysconfdir}/hostname
	cat > ${D}${sysconfdir}/os-release <<END
ID=${DISTRO}
NAME="${DISTRO_NAME}"
VERSION="${DISTRO_VERSION}"
VERSION_ID=${DISTRO_VERSION}
PRETTY_NAME="${DISTRO_NAME} ${DISTRO_VERSION}"
END
	printf 'proc /proc proc defaults 0 0\nsysfs /sys sysfs defaults 0 0\n' > ${D}${sysconfdir}/fstab
	echo "/bin/sh" > ${D}${sysconfdir}/shells
}
