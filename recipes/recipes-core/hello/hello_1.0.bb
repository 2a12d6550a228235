SUMMARY = "The classic greeting, as a shell script"
LICENSE = "MIT"
DEPENDS = "virtual/libc"
RDEPENDS:${PN} = "busybox"

# Fetched, unpacked into ${UNPACKDIR}/hello-1.0 (= ${S}) and patched from files/.
SRC_URI = "file://hello-1.0.tar.gz \
           file://0001-greeting-names-the-version.patch \
"

do_compile() {
	sed -e 's/@PN@/${PN}/' -e 's/@PV@/${PV}/' ${S}/hello.in > hello
}

do_install() {
	install -d ${D}${bindir}
	install -m 0755 hello ${D}${bindir}/hello
}
