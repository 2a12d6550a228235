"""Unknown names in tsbake's `bb` fail loudly, naming the module, instead of a bare AttributeError.

tsbake's `bb` is a small re-implementation for parse-time metadata, not BitBake's; the
message tells the user that the missing piece is tsbake's and not a typo of theirs.
"""


def strict_getattr(module_name):
    def __getattr__(name):
        raise AttributeError("tsbake's %s has no attribute '%s'" % (module_name, name))

    return __getattr__
