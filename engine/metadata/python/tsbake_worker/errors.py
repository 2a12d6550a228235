"""Exceptions across the bridge, in both directions.

Going to tsbake, an exception becomes {type, message, kind, file, line}: kind "skip" for
bb.parse.SkipRecipe, "fatal" for bb.fatal, else "python". An error that tsbake raised in a
callback comes back here as a Python exception carrying tsbake's token; if it escapes the
metadata code unchanged, tsbake rethrows its own original error object.
"""
import traceback

from . import contexts


class RemoteError(Exception):
    """A tsbake error (other than skip/fatal/expansion) raised while answering a callback."""

    def __init__(self, type_name, message):
        Exception.__init__(self, message)
        self.type_name = type_name


def _location(exc):
    if isinstance(exc, SyntaxError) and exc.filename in contexts.metadata_files and exc.lineno:
        return exc.filename, exc.lineno
    where = None
    for frame, line in traceback.walk_tb(exc.__traceback__):
        if contexts.is_user_file(frame.f_code.co_filename):
            where = (frame.f_code.co_filename, line)
    return where


def describe(exc):
    import bb

    sync_index = None
    if isinstance(exc, contexts.SyncFailure) and exc.__cause__ is not None:
        sync_index = exc.index
        exc = exc.__cause__
    if isinstance(exc, bb.parse.SkipRecipe):
        kind, message = "skip", str(exc)
    elif isinstance(exc, bb.BBHandledException):
        kind = "fatal"
        message = getattr(exc, "fatal_message", None) or str(exc)
    elif isinstance(exc, SystemExit):
        kind, message = "python", "sys.exit(%r) was called" % (exc.code,)
    else:
        kind, message = "python", str(exc) or type(exc).__name__
    error = {"type": type(exc).__name__, "message": message, "kind": kind}
    if isinstance(exc, RemoteError):
        error["type"] = exc.type_name
    token = getattr(exc, "tsbake_token", None)
    if token is not None:
        error["token"] = token
    where = _location(exc)
    if where is not None:
        error["file"], error["line"] = where[0], where[1]
    if sync_index is not None:
        error["sync"] = sync_index
    return error


def raise_remote(error):
    import bb

    kind = error.get("kind")
    message = error.get("message", "")
    type_name = error.get("type", "Error")
    if kind == "skip":
        exc = bb.parse.SkipRecipe(message)
    elif kind == "fatal":
        exc = bb.BBHandledException(message)
        exc.fatal_message = message
    elif type_name == "ExpansionError":
        exc = bb.data_smart.ExpansionError(None, None, message)
    else:
        exc = RemoteError(type_name, message)
    exc.tsbake_token = error.get("token")
    raise exc
