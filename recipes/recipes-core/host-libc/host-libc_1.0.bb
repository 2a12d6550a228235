SUMMARY = "The build host's C library and dynamic loader, for the programs the host compiler builds"
DESCRIPTION = "Packaged from the build host as external-toolchain layers package a toolchain's C library; the files' checksums are part of do_install's signature."
LICENSE = "LGPL-2.1-or-later"
inherit bin_package
PACKAGES = "${PN}"
FILES:${PN} = "/lib /lib64"
RPROVIDES:${PN} = "libc6"

BIN_PACKAGE_FILES = "/lib/x86_64-linux-gnu/libc.so.6 /lib/x86_64-linux-gnu/libm.so.6 /lib64/ld-linux-x86-64.so.2"
do_install[file-checksums] += "/lib/x86_64-linux-gnu/libc.so.6:True /lib/x86_64-linux-gnu/libm.so.6:True /lib64/ld-linux-x86-64.so.2:True"
