# Writes .rpm packages (rpm, dnf) of every package do_package split out. Listed in PACKAGE_CLASSES
# (conf/bitbake.conf inherits each entry). do_package_write_rpm runs as a TypeScript
# builtin; it is shared state, restored from sstate into ${DEPLOY_DIR_RPM}/<arch>/.

PKGWRITEDIRRPM = "${WORKDIR}/deploy-rpms"
RPM_COMPRESSOR ?= "zstd"

python do_package_write_rpm() {
    bb.fatal("do_package_write_rpm is a tsbake builtin")
}
do_package_write_rpm[dirs] = "${PKGWRITEDIRRPM}"
do_package_write_rpm[cleandirs] = "${PKGWRITEDIRRPM}"
do_package_write_rpm[vardeps] += "RPM_COMPRESSOR ZSTD_COMPRESSION_LEVEL XZ_COMPRESSION_LEVEL GZIP_COMPRESSION_LEVEL"
do_package_write_rpm[sstate-inputdirs] = "${PKGWRITEDIRRPM}"
do_package_write_rpm[sstate-outputdirs] = "${DEPLOY_DIR_RPM}"
SSTATETASKS += "do_package_write_rpm"

addtask package_write_rpm after do_packagedata do_package before do_build
# building a target writes the packages of everything it depends on (oe-core: rdeptask)
do_build[recrdeptask] += "do_package_write_rpm"
addtask package_write_rpm_setscene
