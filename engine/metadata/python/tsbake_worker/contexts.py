"""Python contexts: the global namespaces that `def` blocks are executed into.

BitBake keeps one global dict for all metadata Python. tsbake keeps one per store family
(the configuration's, each recipe's) and the TypeScript side decides which is live: every
request names a context id and carries the sync operations that bring this process up to
date (create a context as a copy of its parent, run a def into it, import a pylib, drop
one). Id 0 is the clean context every other one descends from.
"""
import ast
import os
import sys
import time
import types

BASE = 0

_dicts = {}
_active = []  # the context dicts of the requests being served, innermost last

# Files whose code was compiled here from metadata (.bb, .bbclass, .conf): a traceback frame
# in one of them is "where" an error happened, and the caller of a d.setVar for history.
metadata_files = set()
# Directories added by addpylib: their frames also count when locating an error.
_pylib_dirs = []

_compiled = {}


class SyncFailure(Exception):
    """Sync operation number `index` failed; the cause is chained as __cause__."""

    def __init__(self, index):
        Exception.__init__(self, "context sync operation %d failed" % index)
        self.index = index


def _clean_context():
    import bb

    return {"os": os, "bb": bb, "time": time}


def reset():
    _dicts.clear()
    _dicts[BASE] = _clean_context()


def current():
    """The context dict of the innermost request (bb.utils.get_context())."""
    if _active:
        return _active[-1]
    if BASE not in _dicts:
        reset()
    return _dicts[BASE]


def enter(context_id, ops):
    """Applies `ops`, then makes `context_id` the current context; pair with leave()."""
    if BASE not in _dicts:
        reset()
    for index, op in enumerate(ops):
        try:
            _apply(op)
        except BaseException as e:
            raise SyncFailure(index) from e
    globals_ = _dicts.get(context_id)
    if globals_ is None:
        raise RuntimeError("python context %d was never created" % context_id)
    _active.append(globals_)
    return globals_


def leave():
    _active.pop()


def _apply(op):
    kind = op[0]
    if kind == "new":
        _, ident, parent = op
        _dicts[ident] = _copy_context(_dicts[parent])
    elif kind == "drop":
        _dicts.pop(op[1], None)
    elif kind == "def":
        _, ident, _name, text, filename, line = op
        # Like BitBake's method pool: the def statement runs with the context as globals
        # and locals, so the function becomes a global visible to later expressions.
        target = _dicts[ident]
        exec(compile_at(text, filename, line), target)
    elif kind == "pylib":
        _, ident, libdir, namespace, global_modules = op
        _add_pylib(_dicts[ident], libdir, namespace, global_modules)
    else:
        raise RuntimeError("unknown context operation %r" % (kind,))


def _copy_context(parent):
    """A child context. Metadata functions defined in the parent are re-bound to the child's
    dict, so that they see what the child defines later (BitBake has a single namespace: an
    anonymous function of a recipe calls a def from a class inherited after it)."""
    child = dict(parent)
    for name, value in parent.items():
        if isinstance(value, types.FunctionType) and value.__globals__ is parent:
            rebound = types.FunctionType(value.__code__, child, value.__name__, value.__defaults__, value.__closure__)
            rebound.__kwdefaults__ = value.__kwdefaults__
            rebound.__dict__.update(value.__dict__)
            child[name] = rebound
    return child


def _add_pylib(target, libdir, namespace, global_modules):
    for module in global_modules:
        if module not in target:
            target[module] = __import__(module)
    if libdir not in sys.path:
        sys.path.append(libdir)
    prefix = os.path.join(os.path.abspath(libdir), "")
    if prefix not in _pylib_dirs:
        _pylib_dirs.append(prefix)
    try:
        target[namespace] = __import__(namespace)
        # BBIMPORTS names submodules the layer wants loaded up front, so metadata can use
        # `namespace.sub.fn` without importing it first.
        for sub in getattr(target[namespace], "BBIMPORTS", []):
            target[namespace] = __import__(namespace + "." + sub)
            getattr(target[namespace], sub)
    except AttributeError as e:
        import bb

        bb.error("Error importing OE modules: %s" % str(e))


def compile_at(text, filename, first_line, mode="exec"):
    """Compiles metadata text whose first line is line `first_line` of `filename`."""
    key = (text, filename, first_line, mode)
    code = _compiled.get(key)
    if code is not None:
        return code
    offset = max(int(first_line) - 1, 0)
    try:
        tree = ast.parse(text, filename, mode)
    except SyntaxError as e:
        if e.lineno is not None:
            e.lineno += offset
        if getattr(e, "end_lineno", None) is not None:
            e.end_lineno += offset
        metadata_files.add(filename)
        raise
    if offset:
        ast.increment_lineno(tree, offset)
    code = compile(tree, filename, mode)
    metadata_files.add(filename)
    _compiled[key] = code
    return code


def is_user_file(filename):
    """True for metadata code and addpylib modules: frames worth naming in an error."""
    if filename in metadata_files:
        return True
    return any(filename.startswith(d) for d in _pylib_dirs)


def caller_location():
    """(file, line) of the innermost running metadata line, for variable history."""
    frame = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename in metadata_files:
            return [filename, frame.f_lineno]
        frame = frame.f_back
    return None
