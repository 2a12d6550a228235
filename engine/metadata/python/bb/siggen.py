"""bb.siggen: the signature generator classes python libraries subclass at import time
(oe.sstatesig). tsbake computes signatures itself (sstate/signature), so these are bases
with no behaviour; calling into them while parsing fails loudly."""
from ._strict import strict_getattr


class SignatureGenerator(object):
    name = "noop"

    def __init__(self, data):
        self.basehash = {}
        self.taskhash = {}
        self.unihash = {}
        self.runtaskdeps = {}
        self.file_checksum_values = {}
        self.taints = {}


class SignatureGeneratorBasic(SignatureGenerator):
    name = "basic"


class SignatureGeneratorBasicHash(SignatureGeneratorBasic):
    name = "basichash"


class SignatureGeneratorUniHashMixIn(object):
    pass


__getattr__ = strict_getattr("bb.siggen")
