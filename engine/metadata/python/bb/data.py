"""bb.data: the module-level helpers metadata still calls with `d` as an argument."""
from ._strict import strict_getattr


def inherits_class(klass, d):
    """True when classes/<klass>.bbclass (or classes-*/) is among the inherited files."""
    needle = "/%s.bbclass" % klass
    return any(str(path).endswith(needle) for path in (d.getVar("__inherit_cache", False) or []))


def expand(s, d, varname=None):
    return d.expand(s, varname)


def getVar(var, d, exp=True):
    return d.getVar(var, exp)


def createCopy(source):
    return source.createCopy()


def keys(d):
    return d.keys()


__getattr__ = strict_getattr("bb.data")
