# Writes .ipk packages (opkg) of every package do_package split out. Listed in PACKAGE_CLASSES
# (conf/bitbake.conf inherits each entry). do_package_write_ipk runs as a TypeScript
# builtin; it is shared state, restored from sstate into ${DEPLOY_DIR_IPK}/<arch>/.

PKGWRITEDIRIPK = "${WORKDIR}/deploy-ipks"
IPK_COMPRESSOR ?= "zstd"

python do_package_write_ipk() {
    bb.fatal("do_package_write_ipk is a tsbake builtin")
}
do_package_write_ipk[dirs] = "${PKGWRITEDIRIPK}"
do_package_write_ipk[cleandirs] = "${PKGWRITEDIRIPK}"
do_package_write_ipk[vardeps] += "IPK_COMPRESSOR ZSTD_COMPRESSION_LEVEL XZ_COMPRESSION_LEVEL GZIP_COMPRESSION_LEVEL"
do_package_write_ipk[sstate-inputdirs] = "${PKGWRITEDIRIPK}"
do_package_write_ipk[sstate-outputdirs] = "${DEPLOY_DIR_IPK}"
SSTATETASKS += "do_package_write_ipk"

addtask package_write_ipk after do_packagedata do_package before do_build
# building a target writes the packages of everything it depends on (oe-core: rdeptask)
do_build[recrdeptask] += "do_package_write_ipk"
addtask package_write_ipk_setscene
