SUMMARY = "Compression library, older release (PREFERRED_VERSION_zlib selects it)"
LICENSE = "Zlib"
