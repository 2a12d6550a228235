SUMMARY = "The system's base users and groups (/etc/passwd, /etc/group and their shadow files)"
LICENSE = "GPL-2.0-or-later"
inherit allarch
FILES:${PN} = "${sysconfdir}"

do_install() {
	install -d ${D}${sysconfdir}
	printf 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nbin:x:2:2:bin:/bin:/bin/false\nsys:x:3:3:sys:/dev:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > ${D}${sysconfdir}/passwd
	printf 'root:x:0:\ndaemon:x:1:\nbin:x:2:\nsys:x:3:\nadm:x:4:\ntty:x:5:\ndisk:x:6:\nusers:x:100:\nnogroup:x:65534:\n' > ${D}${sysconfdir}/group
	cut -d: -f1 ${D}${sysconfdir}/passwd | sed 's/$/:*:19000:0:99999:7:::/' > ${D}${sysconfdir}/shadow
	cut -d: -f1 ${D}${sysconfdir}/group | sed 's/$/:*::/' > ${D}${sysconfdir}/gshadow
	chmod 0644 ${D}${sysconfdir}/passwd ${D}${sysconfdir}/group
	chmod 0600 ${D}${sysconfdir}/shadow ${D}${sysconfdir}/gshadow
}
