SUMMARY = "A program linked against libgreet (its package depends on libgreet's by soname)"
LICENSE = "MIT"
DEPENDS = "libgreet"
SRC_URI = "file://main.c"

# Loose files from files/: they unpack straight into UNPACKDIR.
S = "${UNPACKDIR}"

# libgreet as do_populate_sysroot staged it.
GREET_SYSROOT = "${COMPONENTS_DIR}/${PACKAGE_ARCH}/libgreet"

do_compile() {
	${CC} ${CFLAGS} -I${GREET_SYSROOT}${includedir} -o greet main.c -L${GREET_SYSROOT}${libdir} -lgreet
}

do_install() {
	install -d ${D}${bindir}
	install -m 0755 greet ${D}${bindir}/greet
	ln ${D}${bindir}/greet ${D}${bindir}/greet-again
}
