"""The files and directories metadata Python reads or lists (imports included), noted from the
worker's start until tsbake asks for them once: the inputs of the configuration parse that
tsbake cannot see itself (`/etc/os-release` read by a ConfigParsed handler, a library module),
for its configuration snapshot. Written files are outputs, not inputs, and are not noted."""
import os
import sys

_files = set()
_dirs = set()
_noting = True
_WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def _path(p):
    if isinstance(p, int):
        return None  # an open file descriptor: its file was noted when it was opened
    return os.path.abspath(os.fsdecode(p))


def _hook(event, args):
    if not _noting:
        return
    try:
        if event == "open":
            if isinstance(args[2], int) and args[2] & _WRITE:
                return
            path = _path(args[0])
            if path is not None:
                _files.add(path)
                # A fresh .pyc is read instead of its source: a changed source must count too.
                head, name = os.path.split(path)
                if os.path.basename(head) == "__pycache__" and name.endswith(".pyc"):
                    _files.add(os.path.join(os.path.dirname(head), name.split(".")[0] + ".py"))
        elif event in ("os.listdir", "os.scandir"):
            path = _path(args[0] if args and args[0] is not None else ".")
            if path is not None:
                _dirs.add(path)
    except Exception:
        pass  # an audit hook that raises would fail the open itself


def install():
    sys.addaudithook(_hook)


def take():
    """What was noted so far; noting stops (only the configuration parse is of interest)."""
    global _noting
    _noting = False
    return {"files": sorted(_files), "dirs": sorted(_dirs)}
