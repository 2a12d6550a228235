SUMMARY = "A small C library (provides virtual/libc)"
LICENSE = "MIT"
PROVIDES = "virtual/libc"
