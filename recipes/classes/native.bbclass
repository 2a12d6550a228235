# BBCLASSEXTEND = "native": build for the build host.
CLASSOVERRIDE = "class-native"
PACKAGE_ARCH = "x86_64-native"
DEPENDS:remove = "virtual/libc"
