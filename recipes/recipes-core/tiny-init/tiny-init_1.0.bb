SUMMARY = "A tiny init: busybox init with an inittab and an rcS that mounts the kernel file systems and runs /etc/rcS.d"
LICENSE = "MIT"
inherit allarch
RDEPENDS:${PN} = "busybox"
FILES:${PN} = "${sysconfdir} /init"

do_install() {
	install -d ${D}${sysconfdir}/init.d ${D}${sysconfdir}/rcS.d
	cat > ${D}${sysconfdir}/inittab <<'END'
::sysinit:/etc/init.d/rcS
::askfirst:-/bin/sh
::ctrlaltdel:/sbin/reboot
::shutdown:/bin/umount -a -r
END
	cat > ${D}${sysconfdir}/init.d/rcS <<'END'
#!/bin/sh
mount -t proc proc /proc 2>/dev/null
mount -t sysfs sysfs /sys 2>/dev/null
mount -t devtmpfs devtmpfs /dev 2>/dev/null
[ -f /etc/hostname ] && hostname -F /etc/hostname
for script in /etc/rcS.d/S*; do
	[ -x "$script" ] && "$script"
done
exit 0
END
	chmod 0755 ${D}${sysconfdir}/init.d/rcS
	# An initramfs (cpio.gz) starts /init.
	ln -s sbin/init ${D}/init
}
