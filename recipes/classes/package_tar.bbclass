# Writes tsbake's TAR packages (<pkg>-<version>.tar.zst with ./CONTROL/) of every package do_package split out. Listed in PACKAGE_CLASSES
# (conf/bitbake.conf inherits each entry). do_package_write_tar runs as a TypeScript
# builtin; it is shared state, restored from sstate into ${DEPLOY_DIR_TAR}/<arch>/.

PKGWRITEDIRTAR = "${WORKDIR}/deploy-tars"
TAR_COMPRESSOR ?= "zstd"

python do_package_write_tar() {
    bb.fatal("do_package_write_tar is a tsbake builtin")
}
do_package_write_tar[dirs] = "${PKGWRITEDIRTAR}"
do_package_write_tar[cleandirs] = "${PKGWRITEDIRTAR}"
do_package_write_tar[vardeps] += "TAR_COMPRESSOR ZSTD_COMPRESSION_LEVEL XZ_COMPRESSION_LEVEL GZIP_COMPRESSION_LEVEL"
do_package_write_tar[sstate-inputdirs] = "${PKGWRITEDIRTAR}"
do_package_write_tar[sstate-outputdirs] = "${DEPLOY_DIR_TAR}"
SSTATETASKS += "do_package_write_tar"

addtask package_write_tar after do_packagedata do_package before do_build
# building a target writes the packages of everything it depends on (oe-core: rdeptask)
do_build[recrdeptask] += "do_package_write_tar"
addtask package_write_tar_setscene
