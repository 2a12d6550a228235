"""Where the worker's output goes, and how it notices that tsbake is gone.

tsbake prints variable values on its stdout, so metadata `print()` must never reach it:
sys.stdout and sys.stderr become line forwarders that send lines to tsbake as "plain" log
messages. Lines are batched (one message per 64 KiB at most) and sent before any other frame,
so output keeps its place among the `d` calls and replies while a million print()s cost a
few hundred messages instead of a million. The real fd 2 is a file tsbake reads only to
explain a crash.
"""
import io
import os
import threading
import time

from . import state

_forwarders = []


_BATCH = 64 * 1024


class LineForwarder(io.TextIOBase):
    def __init__(self, level):
        io.TextIOBase.__init__(self)
        self._level = level
        self._pending = ""  # the unfinished last line
        self._lines = []  # complete lines not sent yet
        self._size = 0
        _forwarders.append(self)

    def writable(self):
        return True

    def write(self, text):
        text = str(text)
        self._pending += text
        if "\n" in self._pending:
            *lines, self._pending = self._pending.split("\n")
            self._lines.extend(lines)
            self._size += sum(len(line) + 1 for line in lines)
            if self._size >= _BATCH:
                self.send_lines()
        return len(text)

    def send_lines(self):
        if self._lines:
            lines, self._lines, self._size = self._lines, [], 0
            state.log(self._level, "\n".join(lines))

    def flush(self):
        if self._pending:
            self._lines.append(self._pending)
            self._pending = ""
        self.send_lines()


def send_batched():
    """Sends the complete lines waiting (before another frame goes out)."""
    for forwarder in _forwarders:
        forwarder.send_lines()


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
