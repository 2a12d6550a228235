"""`d`: a proxy whose every method is a call to the TypeScript DataStore method of that name.

Nothing about variables is decided here: overrides, pending :append, expansion and history
all stay in datastore.ts. A proxy names its store by a handle that tsbake hands out for the
duration of one top-level request; keeping `d` past that request makes later use fail there.
"""
import builtins
import os
from collections.abc import MutableMapping

from . import contexts, state

_SAFE_INT = 2 ** 53


def to_value(value):
    """A Python value as the datastore stores it: JSON scalars and lists of str, else str()."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, int):
        return value if -_SAFE_INT < value < _SAFE_INT else str(value)
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    return str(value)


def _name(value, what="variable name"):
    if not isinstance(value, str):
        raise TypeError("%s must be a str, not %s" % (what, type(value).__name__))
    return value


def _expand_flags(expand):
    """getVarFlags' `expand`: the flags to expand, as BitBake tests `flag in expand`."""
    if not expand:
        return []
    if isinstance(expand, str):
        return [expand]
    return [str(f) for f in expand]


# Reads answered since the last write. A write can change what any store reads (copies see
# their parent), so every write empties it, as does every new top-level request (tsbake may
# have changed the data in between). Nothing else changes the data while Python runs.
_reads = {}
_CACHED = frozenset(["getVar", "getVarFlag", "getVarFlags", "expand", "hasOverrides", "keys", "localkeys"])


def _frozen(value):
    return tuple(_frozen(v) for v in value) if isinstance(value, list) else value


def _fresh(value):
    """A copy of a cached list or dict: the caller may change what it gets."""
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return {k: _fresh(v) for k, v in value.items()}
    return value


def _call(op, handle, args):
    if op not in _CACHED:
        _reads.clear()
        return state.channel.call(op, {"h": handle, "args": args})
    key = (op, handle, _frozen(args))
    if key not in _reads:
        _reads[key] = state.channel.call(op, {"h": handle, "args": args})
    return _fresh(_reads[key])


def _write(op, handle, args):
    """Writes return nothing: they are buffered and reach tsbake before Python's next call."""
    _reads.clear()
    state.channel.writes.append({"op": op, "h": handle, "args": args, "at": contexts.caller_location()})


_proxies = {}


def proxy_for(handle):
    proxy = _proxies.get(handle)
    if proxy is None:
        proxy = _proxies[handle] = DataStoreProxy(handle)
    return proxy


def store_call(d, op, *args):
    """A datastore operation that BitBake keeps outside DataSmart (bb.build.addtask, ...)."""
    return _call(op, d._h, list(args))


def forget_proxies():
    """Handles die with the top-level request that made them."""
    _proxies.clear()
    _reads.clear()


class DataStoreProxy(MutableMapping):
    """Like BitBake's DataSmart, a MutableMapping: `in`, get(), items() go through d[key]."""

    __slots__ = ("_h",)

    def __init__(self, handle):
        self._h = handle

    def __getattr__(self, name):
        raise AttributeError("tsbake's d (DataStore proxy) has no attribute '%s'" % name)

    def __repr__(self):
        return "<tsbake DataStore proxy %d>" % self._h

    # ---- reads ----------------------------------------------------------------------

    def getVar(self, var, expand=True, noweakdefault=False, parsing=False):
        if var == "BB_ORIGENV":
            return OriginalEnvironment()
        return _call("getVar", self._h, [_name(var), bool(expand), bool(noweakdefault), bool(parsing)])

    def getVarFlag(self, var, flag, expand=True, noweakdefault=False, parsing=False, retparser=False):
        if retparser:
            raise NotImplementedError("tsbake's d.getVarFlag does not support retparser")
        return _call("getVarFlag", self._h, [_name(var), _name(flag, "flag name"), bool(expand),
                                             bool(noweakdefault), bool(parsing)])

    def getVarFlags(self, var, expand=False, internalflags=False):
        return _call("getVarFlags", self._h, [_name(var), _expand_flags(expand), bool(internalflags)])

    def expand(self, s, varname=None):
        if not isinstance(s, str):
            return s  # BitBake hands back non-text (None, a number) unexpanded
        return _call("expand", self._h, [s, None if varname is None else str(varname)])

    def hasOverrides(self, var):
        return _call("hasOverrides", self._h, [_name(var)])

    def localkeys(self):
        return iter(_call("localkeys", self._h, []))

    def createCopy(self):
        return proxy_for(_call("createCopy", self._h, []))

    def __iter__(self):
        return iter(_call("keys", self._h, []))

    def __len__(self):
        return len(_call("keys", self._h, []))

    def __getitem__(self, var):
        if not isinstance(var, str):
            raise KeyError(var)
        value = self.getVar(var, False)
        if value is None:
            raise KeyError(var)
        return value

    # ---- writes (extra keyword arguments are BitBake's loginfo: accepted, ignored) -------

    def setVar(self, var, value, **loginfo):
        _write("setVar", self._h, [_name(var), to_value(value), bool(loginfo.get("parsing", False))])

    def __setitem__(self, var, value):
        self.setVar(var, value)

    def setVarFlag(self, var, flag, value, **loginfo):
        _write("setVarFlag", self._h, [_name(var), _name(flag, "flag name"), to_value(value)])

    def setVarFlags(self, var, flags, **loginfo):
        _write("setVarFlags", self._h, [_name(var), {str(k): to_value(v) for k, v in flags.items()}])

    def delVar(self, var, **loginfo):
        _write("delVar", self._h, [_name(var)])

    def __delitem__(self, var):
        self.delVar(var)

    def delVarFlag(self, var, flag, **loginfo):
        _write("delVarFlag", self._h, [_name(var), _name(flag, "flag name")])

    def delVarFlags(self, var, **loginfo):
        _write("delVarFlags", self._h, [_name(var)])

    def appendVar(self, var, value, **loginfo):
        _write("appendVar", self._h, [_name(var), str(value)])

    def prependVar(self, var, value, **loginfo):
        _write("prependVar", self._h, [_name(var), str(value)])

    def appendVarFlag(self, var, flag, value, **loginfo):
        _write("appendVarFlag", self._h, [_name(var), _name(flag, "flag name"), str(value)])

    def prependVarFlag(self, var, flag, value, **loginfo):
        _write("prependVarFlag", self._h, [_name(var), _name(flag, "flag name"), str(value)])

    def setVarFilter(self, var, filter):
        _call("setVarFilter", self._h, [_name(var), str(filter) if filter else None])

    def renameVar(self, key, newkey, **loginfo):
        _write("renameVar", self._h, [_name(key), _name(newkey)])


class OriginalEnvironment(object):
    """BB_ORIGENV: BitBake keeps the environment it started in as a datastore; tsbake's
    worker runs in the environment tsbake passes on (the BB_ENV_PASSTHROUGH subset)."""

    def getVar(self, var, expand=True):
        return os.environ.get(var)

    def keys(self):
        return list(os.environ)


# Names an expression can never mean as a variable: builtins and `oe` (BitBake's list).
_EXCLUDED = frozenset([n for n in dir(builtins) if not n.startswith("_")] + ["oe"])


class DataContext(dict):
    """The locals of an inline expression: `d`, and any other free name read as d.getVar(name)."""

    __slots__ = ("_d", "_context")

    def __init__(self, d, context):
        dict.__init__(self, d=d)
        self._d = d
        self._context = context

    def __missing__(self, key):
        # KeyError makes Python go on to the globals and builtins, and finally NameError.
        if key in _EXCLUDED or key in self._context:
            raise KeyError(key)
        value = self._d.getVar(key)
        if value is None:
            raise KeyError(key)
        return value
