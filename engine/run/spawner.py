#!/usr/bin/env python3
"""tsbake's task spawner: a small long-running process that starts one child per task.

Starting a process from Node forks a large process for every task (1-2 ms each);
posix_spawn from this small process costs a fraction of that. Each child gets its own
process group, stdin from /dev/null and stdout/stderr to the task's log file; the task's
script changes to its own directory first thing.

`spawner.py offline` first moves itself into a network namespace of its own (only
loopback), so every task it starts runs without network, as BitBake runs tasks without
[network] (tsbake starts one spawner of each kind, on demand).

Protocol (one JSON object per line):
  stdin   {"id": N, "argv": [...], "env": {...}, "log": "..."}
  stdout  {"started": N, "pid": P} | {"exited": N, "status": S, "cpu": seconds}
          | {"failed": N, "error": "..."} | {"warning": "..."}
When stdin closes (tsbake exited or was killed), every running task's process group gets
SIGTERM, then SIGKILL, and the spawner exits: no task outlives tsbake.
"""
import ctypes
import json
import os
import signal
import sys
import threading
import time

lock = threading.Lock()
has_children = threading.Condition(lock)
running = {}  # pid -> task id
out = sys.stdout

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
DEFAULT_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGPIPE, signal.SIGCHLD, signal.SIGQUIT)


def send(obj):
    with lock:
        out.write(json.dumps(obj) + "\n")
        out.flush()


def go_offline():
    """Moves this process into a network namespace with only loopback. Returns an error text
    when the host refuses (tasks then run with the host network, as BitBake does)."""
    libc = ctypes.CDLL(None, use_errno=True)
    uid, gid = os.getuid(), os.getgid()
    flags = CLONE_NEWNET if uid == 0 else CLONE_NEWNET | CLONE_NEWUSER
    if libc.unshare(flags) != 0:
        return "network isolation unavailable (%s); tasks without [network] run with the host network" % os.strerror(ctypes.get_errno())
    if uid != 0:
        with open("/proc/self/setgroups", "w") as f:
            f.write("deny")
        with open("/proc/self/uid_map", "w") as f:
            f.write("%d %d 1" % (uid, uid))
        with open("/proc/self/gid_map", "w") as f:
            f.write("%d %d 1" % (gid, gid))
    return None


def spawn(req):
    tid = req["id"]
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, req["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
        (os.POSIX_SPAWN_DUP2, 1, 2),
    ]
    with lock:
        try:
            pid = os.posix_spawn(req["argv"][0], req["argv"], req["env"], file_actions=actions, setpgroup=0, setsigdef=DEFAULT_SIGNALS)
        except OSError as e:
            pid = None
            error = "cannot start %s: %s" % (req["argv"][0], e.strerror)
        if pid is not None:
            running[pid] = tid
            has_children.notify()
    if pid is None:
        send({"failed": tid, "error": error})
    else:
        send({"started": tid, "pid": pid})


def reap():
    while True:
        with has_children:
            while not running:
                has_children.wait()
        try:
            pid, status, usage = os.wait4(-1, 0)
        except ChildProcessError:
            continue
        with lock:
            tid = running.pop(pid, None)
        if tid is None:
            continue
        code = os.waitstatus_to_exitcode(status)
        if code < 0:
            code = 128 - code
        send({"exited": tid, "status": code, "cpu": usage.ru_utime + usage.ru_stime})


def kill_all():
    with lock:
        pids = list(running)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            try:
                os.killpg(pid, sig)
            except OSError:
                pass
        if sig == signal.SIGTERM and pids:
            time.sleep(2)


def watch_parent(ppid):
    while True:
        time.sleep(1)
        try:
            os.kill(ppid, 0)
        except OSError:
            kill_all()
            os._exit(0)


def main():
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.argv[1:] == ["offline"]:
        problem = go_offline()
        if problem:
            send({"warning": problem})
    threading.Thread(target=reap, daemon=True).start()
    parent = int(os.environ.get("TSBAKE_PARENT_PID", "0") or "0")
    if parent:
        threading.Thread(target=watch_parent, args=(parent,), daemon=True).start()
    for line in sys.stdin:
        line = line.strip()
        if line:
            spawn(json.loads(line))
    kill_all()


if __name__ == "__main__":
    main()
