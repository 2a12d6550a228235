# Image recipes (oe-core's image.bbclass, done by tsbake in TypeScript): do_rootfs installs
# PACKAGE_INSTALL and everything it needs into ${IMAGE_ROOTFS} with the first
# PACKAGE_CLASSES format, running maintainer scripts under the $D rules (engine/rootfs);
# do_image writes one file per IMAGE_FSTYPES entry, the manifest and the testdata into
# ${IMGDEPLOYDIR}; do_image_complete is shared state and moves them to ${DEPLOY_DIR_IMAGE}.

PACKAGE_ARCH = "${MACHINE_ARCH}"
PACKAGES = ""
EXCLUDE_FROM_WORLD = "1"

IMAGE_BASENAME ?= "${PN}"
IMAGE_LINK_NAME ?= "${IMAGE_BASENAME}-${MACHINE}.rootfs"
IMAGE_ROOTFS = "${WORKDIR}/rootfs"
IMGDEPLOYDIR = "${WORKDIR}/deploy-${PN}-image-complete"
IMAGE_PKGTYPE ?= "${@(d.getVar('PACKAGE_CLASSES') or 'package_ipk').split()[0].replace('package_', '')}"

# What goes in: IMAGE_INSTALL, the packages of the IMAGE_FEATURES (FEATURE_PACKAGES_<feature>)
# and a locale package per IMAGE_LINGUAS entry.
IMAGE_INSTALL ?= ""
IMAGE_FEATURES ?= ""
EXTRA_IMAGE_FEATURES ??= ""
IMAGE_FEATURES += "${EXTRA_IMAGE_FEATURES}"
IMAGE_LINGUAS ?= ""
FEATURE_INSTALL = "${@' '.join((d.getVar('FEATURE_PACKAGES_' + f) or '') for f in (d.getVar('IMAGE_FEATURES') or '').split())}"
LINGUAS_INSTALL = "${@' '.join('locale-base-' + l for l in (d.getVar('IMAGE_LINGUAS') or '').split())}"
PACKAGE_INSTALL = "${IMAGE_INSTALL} ${FEATURE_INSTALL} ${LINGUAS_INSTALL}"
BAD_RECOMMENDATIONS ?= ""
NO_RECOMMENDATIONS ?= ""
# The build graph builds what the image installs.
RDEPENDS = "${PACKAGE_INSTALL}"

# "fail": a postinst that fails at rootfs time fails the image (oe-core today). "defer": the
# older rules, the package stays unconfigured and run-postinsts runs the postinst at first boot.
ROOTFS_POSTINST_FAILURE ?= "fail"
ROOTFS_POSTPROCESS_COMMAND ?= ""

IMAGE_FSTYPES ?= "tar.zst"
IMAGE_OVERHEAD_FACTOR ?= "1.3"
IMAGE_ROOTFS_EXTRA_SPACE ?= "8192"

# An image builds nothing itself, and splits no packages.
deltask do_fetch
deltask do_unpack
deltask do_patch
deltask do_configure
deltask do_compile
deltask do_install
deltask do_populate_sysroot
deltask do_package
deltask do_packagedata
deltask do_package_write_deb
deltask do_package_write_ipk
deltask do_package_write_rpm
deltask do_package_write_tar

python do_rootfs() {
    bb.fatal("do_rootfs is built into tsbake (engine/rootfs); this body never runs")
}
do_rootfs[vardeps] += "PACKAGE_INSTALL IMAGE_FEATURES BAD_RECOMMENDATIONS NO_RECOMMENDATIONS PACKAGE_CLASSES IMAGE_ROOTFS PKGDATA_DIR ROOTFS_POSTINST_FAILURE ROOTFS_POSTPROCESS_COMMAND ${@(d.getVar('ROOTFS_POSTPROCESS_COMMAND') or '').replace(';', ' ')} SOURCE_DATE_EPOCH"
do_rootfs[dirs] = "${WORKDIR}"
do_rootfs[cleandirs] = "${IMAGE_ROOTFS}"
# Every package of every recipe the image needs must be written (and its data published) first.
# do_build reaches what RDEPENDS of RDEPENDS need (do_build[recrdeptask] follows them), without
# making one package's write task depend on another's package data.
do_rootfs[recrdeptask] += "do_packagedata do_package_write_${IMAGE_PKGTYPE} do_build"
addtask rootfs

python do_image() {
    bb.fatal("do_image is built into tsbake (engine/rootfs); this body never runs")
}
do_image[vardeps] += "IMAGE_FSTYPES IMAGE_LINK_NAME IMGDEPLOYDIR IMAGE_OVERHEAD_FACTOR IMAGE_ROOTFS_EXTRA_SPACE SOURCE_DATE_EPOCH DISTRO DISTRO_VERSION IMAGE_BASENAME IMAGE_FEATURES IMAGE_PKGTYPE MACHINE PACKAGE_INSTALL TUNE_PKGARCH"
do_image[dirs] = "${IMGDEPLOYDIR}"
do_image[cleandirs] = "${IMGDEPLOYDIR}"
addtask image after do_rootfs

do_image_complete() {
	:
}
do_image_complete[dirs] = "${IMGDEPLOYDIR}"
do_image_complete[sstate-inputdirs] = "${IMGDEPLOYDIR}"
do_image_complete[sstate-outputdirs] = "${DEPLOY_DIR_IMAGE}"
SSTATETASKS += "do_image_complete"
addtask image_complete after do_image before do_build
addtask image_complete_setscene
