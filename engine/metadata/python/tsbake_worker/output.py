"""Where the worker's output goes, and how it notices that tsbake is gone.

tsbake prints variable values on its stdout, so metadata `print()` must never reach it:
sys.stdout and sys.stderr become line forwarders that send each line to tsbake as a
"plain" log message. The real fd 2 is a file tsbake reads only to explain a crash.
"""
import io
import os
import threading
import time

from . import state

_forwarders = []


class LineForwarder(io.TextIOBase):
    def __init__(self, level):
        io.TextIOBase.__init__(self)
        self._level = level
        self._pending = ""
        _forwarders.append(self)

    def writable(self):
        return True

    def write(self, text):
        text = str(text)
        self._pending += text
        if "\n" in self._pending:
            *lines, self._pending = self._pending.split("\n")
            for line in lines:
                state.log(self._level, line)
        return len(text)

    def flush(self):
        if self._pending:
            line, self._pending = self._pending, ""
            state.log(self._level, line)


def flush_all():
    for forwarder in _forwarders:
        forwarder.flush()


def _parent_gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    # A killed tsbake can linger as a zombie until its own parent reaps it.
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] == b"Z"
    except (OSError, IndexError):
        return False


def watch_parent(pid):
    """Exits the worker within about a second of tsbake's death, even mid-computation."""

    def loop():
        while True:
            time.sleep(1.0)
            if _parent_gone(pid):
                os._exit(0)

    threading.Thread(target=loop, name="tsbake-parent-watch", daemon=True).start()
