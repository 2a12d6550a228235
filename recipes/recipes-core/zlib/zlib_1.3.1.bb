SUMMARY = "Compression library (sample recipe, also built for the host)"
LICENSE = "Zlib"
BBCLASSEXTEND = "native nativesdk"
