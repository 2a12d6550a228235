SUMMARY = "A small image that boots to a shell"
LICENSE = "MIT"
inherit image

IMAGE_INSTALL = "packagegroup-core-boot hello greet pkgdemo demo-account"
IMAGE_FSTYPES ?= "tar.zst"
