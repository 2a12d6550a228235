SUMMARY = "Tiny versions of many common UNIX utilities (the build host's busybox-static)"
LICENSE = "GPL-2.0-only"
require busybox-host.inc
