SUMMARY = "Basic TCP/IP networking support: /etc/hosts, /etc/protocols and /etc/services"
LICENSE = "GPL-2.0-only"
inherit allarch
FILES:${PN} = "${sysconfdir}"
CONFFILES:${PN} = "${sysconfdir}/hosts"

do_install() {
	install -d ${D}${sysconfdir}
	printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' > ${D}${sysconfdir}/hosts
	printf 'ip\t0\tIP\ticmp\t1\tICMP\ntcp\t6\tTCP\nudp\t17\tUDP\nipv6-icmp\t58\tIPv6-ICMP\n' > ${D}${sysconfdir}/protocols
	printf 'ssh\t\t22/tcp\ndomain\t\t53/tcp\ndomain\t\t53/udp\nhttp\t\t80/tcp\nntp\t\t123/udp\nhttps\t\t443/tcp\n' > ${D}${sysconfdir}/services
}
