SUMMARY = "The GNU C library (provides virtual/libc)"
LICENSE = "GPL-2.0-only & LGPL-2.1-only"
PROVIDES = "virtual/libc"
