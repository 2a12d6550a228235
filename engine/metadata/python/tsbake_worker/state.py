"""Process-wide worker state shared by the tsbake_worker modules and tsbake's `bb` package.

The `bb` modules need the channel (to log and to reach the datastore) and the context of
the running request (`bb.utils.get_context()`); both live here so that `bb` can be imported
on its own (outside the worker, for a quick check) and simply log to stderr.
"""
import sys

channel = None  # the Channel once main() has connected


def log(level, message):
    if channel is None:
        sys.__stderr__.write("%s: %s\n" % (level.upper(), message))
        return
    channel.notify("log", {"level": level, "message": message})
