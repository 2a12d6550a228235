SUMMARY = "A small C shared library (exercises -dev, -dbg and the soname provider table)"
LICENSE = "MIT"
SRC_URI = "file://greet.c file://greet.h file://libgreet.pc.in"

# Loose files from files/: they unpack straight into UNPACKDIR.
S = "${UNPACKDIR}"

do_compile() {
	${CC} ${CFLAGS} -fPIC -shared -Wl,-soname,libgreet.so.1 -o libgreet.so.1.0 greet.c
	sed -e 's,@prefix@,${prefix},' -e 's,@version@,${PV},' libgreet.pc.in > libgreet.pc
}

do_install() {
	install -d ${D}${libdir} ${D}${includedir} ${D}${libdir}/pkgconfig
	install -m 0755 libgreet.so.1.0 ${D}${libdir}/
	ln -s libgreet.so.1.0 ${D}${libdir}/libgreet.so.1
	ln -s libgreet.so.1 ${D}${libdir}/libgreet.so
	install -m 0644 greet.h ${D}${includedir}/
	install -m 0644 libgreet.pc ${D}${libdir}/pkgconfig/
}
