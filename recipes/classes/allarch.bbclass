# Packages with no machine code: one build serves every machine (PACKAGE_ARCH "all").
PACKAGE_ARCH = "all"
SSTATE_PKGARCH = "allarch"
INHIBIT_PACKAGE_DEBUG_SPLIT = "1"
INHIBIT_PACKAGE_STRIP = "1"
