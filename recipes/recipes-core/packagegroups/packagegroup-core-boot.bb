SUMMARY = "The packages a minimal image needs to boot to a shell"
LICENSE = "MIT"
inherit packagegroup
RDEPENDS:${PN} = "base-files base-passwd netbase busybox tiny-init run-postinsts host-libc"
