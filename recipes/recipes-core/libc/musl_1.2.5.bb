SUMMARY = "A small C library (provides virtual/libc)"
LICENSE = "MIT"
PROVIDES = "virtual/libc"

# Headers land in the sysroot (do_populate_sysroot) that recipes depending on virtual/libc use.
do_install() {
	install -d ${D}${includedir}
	echo '#define MUSL_VERSION "${PV}"' > ${D}${includedir}/musl-version.h
}
