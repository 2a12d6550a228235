# Writes .deb packages (dpkg, apt) of every package do_package split out. Listed in PACKAGE_CLASSES
# (conf/bitbake.conf inherits each entry). do_package_write_deb runs as a TypeScript
# builtin; it is shared state, restored from sstate into ${DEPLOY_DIR_DEB}/<arch>/.

PKGWRITEDIRDEB = "${WORKDIR}/deploy-debs"
DEB_COMPRESSOR ?= "zstd"

python do_package_write_deb() {
    bb.fatal("do_package_write_deb is a tsbake builtin")
}
do_package_write_deb[dirs] = "${PKGWRITEDIRDEB}"
do_package_write_deb[cleandirs] = "${PKGWRITEDIRDEB}"
do_package_write_deb[vardeps] += "DEB_COMPRESSOR ZSTD_COMPRESSION_LEVEL XZ_COMPRESSION_LEVEL GZIP_COMPRESSION_LEVEL TARGET_ARCH TUNE_FEATURES"
do_package_write_deb[sstate-inputdirs] = "${PKGWRITEDIRDEB}"
do_package_write_deb[sstate-outputdirs] = "${DEPLOY_DIR_DEB}"
SSTATETASKS += "do_package_write_deb"

addtask package_write_deb after do_packagedata do_package before do_build
# building a target writes the packages of everything it depends on (oe-core: rdeptask)
do_build[recrdeptask] += "do_package_write_deb"
addtask package_write_deb_setscene
