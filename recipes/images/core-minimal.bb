SUMMARY = "A small image that boots to a shell"
LICENSE = "MIT"
IMAGE_INSTALL = "base-files busybox hello greet pkgdemo"
DEPENDS = "base-files busybox hello greet pkgdemo"
