"""bb.parse: the exceptions metadata raises, vars_from_file (PN/PV/PR from a file name) and
the `vardeps`/`vardepsexclude` decorators that python libraries put on their functions."""
import os

from ._strict import strict_getattr


class ParseError(Exception):
    def __init__(self, msg, filename, lineno=0):
        self.msg = msg
        self.filename = filename
        self.lineno = lineno
        Exception.__init__(self, msg, filename, lineno)

    def __str__(self):
        if self.lineno:
            return "ParseError at %s:%d: %s" % (self.filename, self.lineno, self.msg)
        return "ParseError in %s: %s" % (self.filename, self.msg)


class SkipRecipe(Exception):
    """Raised by metadata to skip the recipe being parsed; tsbake reports the reason."""


class SkipPackage(SkipRecipe):
    """The old name of SkipRecipe."""


def vars_from_file(fn, d):
    """[PN, PV, PR] from 'pn_pv_pr.bb' (missing parts None); (None, None, None) for other files."""
    if not fn or not fn.endswith((".bb", ".bbappend")):
        return (None, None, None)
    parts = os.path.splitext(os.path.basename(fn))[0].split("_")
    if len(parts) > 3:
        raise ParseError("Unable to generate default variables from filename (too many underscores)", fn)
    return parts + [None] * (3 - len(parts))


def _dependency_decorator(attribute):
    def decorator(*varnames):
        def mark(func):
            getattr(func, attribute, None) or setattr(func, attribute, set())
            getattr(func, attribute).update(varnames)
            return func

        return mark

    return decorator


def mark_dependency(d, f):
    """The parse result depends on file `f` (a change to it invalidates the parse cache)."""
    from tsbake_worker.proxy import store_call

    if f.startswith("./"):
        f = "%s/%s" % (os.getcwd(), f[2:])
    store_call(d, "markDependency", f)


# Signature code reads these sets; parsing only needs the functions left callable.
vardeps = _dependency_decorator("bb_vardeps")
vardepsexclude = _dependency_decorator("bb_vardepsexclude")


__getattr__ = strict_getattr("bb.parse")
