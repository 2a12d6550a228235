# A layer's tailoring of base-files: the hostname follows the distro.
HOSTNAME_SUFFIX = "-${DISTRO}"
