"""tsbake's `bb` package: the parts of BitBake's API that metadata uses while parsing.

Written for tsbake (not BitBake's code). Logging goes to tsbake as log events; anything
not provided raises AttributeError naming it (see _strict.py).
"""
__version__ = "2.19.0"


class BBHandledException(Exception):
    """An error already reported to the user (bb.fatal); tsbake shows no traceback for it."""


def _log(level, args):
    from tsbake_worker import state

    state.log(level, "".join(str(a) for a in args))


def plain(*args):
    _log("plain", args)


def debug(lvl, *args):
    if isinstance(lvl, str):
        _log("warn", ("Passed invalid debug level '%s' to bb.debug" % lvl,))
        args = (lvl,) + args
    _log("debug", args)


def note(*args):
    _log("note", args)


def verbnote(*args):
    _log("note", args)


def warn(*args):
    _log("warn", args)


def error(*args, **kwargs):
    _log("error", args)


_once = set()


def warnonce(*args):
    message = "".join(str(a) for a in args)
    if ("warn", message) not in _once:
        _once.add(("warn", message))
        _log("warn", (message,))


def erroronce(*args):
    message = "".join(str(a) for a in args)
    if ("error", message) not in _once:
        _once.add(("error", message))
        _log("error", (message,))


def fatal(*args, **kwargs):
    message = "".join(str(a) for a in args)
    _log("fatal", (message,))
    exc = BBHandledException(message)
    exc.fatal_message = message
    raise exc


import multiprocessing  # noqa: E402,F401  (`from bb import multiprocessing`, as BitBake offers)

from . import data_smart, event, parse, process, utils, data, build, filter, siggen, runqueue, fetch2  # noqa: E402,F401
fetch = fetch2
from ._strict import strict_getattr  # noqa: E402

# As in BitBake, `bb` and `os` are builtins: layer libraries use them without importing them.
import builtins as _builtins  # noqa: E402
import os as _os  # noqa: E402
import sys as _sys  # noqa: E402

_builtins.bb = _sys.modules[__name__]
_builtins.os = _os

__getattr__ = strict_getattr("bb")
