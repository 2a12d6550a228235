# Packages prebuilt binaries as they are: nothing is compiled, stripped or split for debug.
# BIN_PACKAGE_FILES are absolute paths on the build host, installed at the same paths (the
# way external-toolchain layers package a toolchain's C library); list each one in
# do_install[file-checksums] too, so a change on the host rebuilds the package.
BIN_PACKAGE_FILES ?= ""
INHIBIT_PACKAGE_STRIP = "1"
INHIBIT_PACKAGE_DEBUG_SPLIT = "1"

bin_package_do_install() {
	for f in ${BIN_PACKAGE_FILES}; do
		install -d "${D}$(dirname "$f")"
		cp -L --preserve=mode "$f" "${D}$f"
	done
	if [ -d "${S}" ]; then
		cp -a --no-preserve=ownership "${S}/." "${D}/"
	fi
}
do_install() {
	bin_package_do_install
}
