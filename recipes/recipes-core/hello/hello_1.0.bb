SUMMARY = "The classic greeting, as a shell script"
LICENSE = "MIT"
DEPENDS = "virtual/libc"
RDEPENDS:${PN} = "busybox"

do_compile() {
	printf '#!/bin/sh\necho "Hello from ${PN} ${PV}"\n' > hello
}

do_install() {
	install -d ${D}${bindir}
	install -m 0755 hello ${D}${bindir}/hello
}
