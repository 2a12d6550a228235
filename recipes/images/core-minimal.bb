SUMMARY = "A small image that boots to a shell"
LICENSE = "MIT"
IMAGE_INSTALL = "base-files busybox hello"
DEPENDS = "base-files busybox hello"
