# BBCLASSEXTEND = "nativesdk": build for the SDK host.
CLASSOVERRIDE = "class-nativesdk"
PACKAGE_ARCH = "x86_64-nativesdk"
