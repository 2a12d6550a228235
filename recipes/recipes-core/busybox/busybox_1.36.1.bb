SUMMARY = "Tiny versions of many common UNIX utilities (sample)"
LICENSE = "GPL-2.0-only"
DEPENDS = "virtual/libc"
