#!/usr/bin/env python3
"""tsbake's task spawner: a small long-running process that forks one child per task.

Forking from Node copies the page tables of a large process for every task; forking from
this small process is several times cheaper. Each child gets its own process group, its
own cwd and environment, stdin from /dev/null and stdout/stderr to the task's log file.

Protocol (one JSON object per line):
  stdin   {"id": N, "argv": [...], "cwd": "...", "env": {...}, "log": "...", "network": bool}
  stdout  {"started": N, "pid": P} | {"exited": N, "status": S, "cpu": seconds}
          | {"failed": N, "error": "..."}
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


def send(obj):
    with lock:
        out.write(json.dumps(obj) + "\n")
        out.flush()


CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000


def disable_network():
    """A task without [network] runs in a network namespace of its own, with only loopback
    (as BitBake's disable_network does). Returns an error text when the host refuses."""
    libc = ctypes.CDLL(None, use_errno=True)
    uid, gid = os.getuid(), os.getgid()
    flags = CLONE_NEWNET if uid == 0 else CLONE_NEWNET | CLONE_NEWUSER
    if libc.unshare(flags) != 0:
        return "network isolation unavailable (%s)" % os.strerror(ctypes.get_errno())
    if uid != 0:
        with open("/proc/self/setgroups", "w") as f:
            f.write("deny")
        with open("/proc/self/uid_map", "w") as f:
            f.write("%d %d 1" % (uid, uid))
        with open("/proc/self/gid_map", "w") as f:
            f.write("%d %d 1" % (gid, gid))
    return None


def shared_offline_namespace():
    """As root, one network namespace made once and entered by every task without [network]
    (setns is far cheaper than creating a namespace per task). None when that is not possible."""
    if os.getuid() != 0:
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    try:
        home = os.open("/proc/self/ns/net", os.O_RDONLY)
    except OSError:
        return None
    if libc.unshare(CLONE_NEWNET) != 0:
        os.close(home)
        return None
    offline = os.open("/proc/self/ns/net", os.O_RDONLY)
    if libc.setns(home, CLONE_NEWNET) != 0:
        raise SystemExit("tsbake spawner: cannot return to the host network namespace")
    os.close(home)
    return offline


OFFLINE = None


def enter_offline():
    if OFFLINE is not None and ctypes.CDLL(None, use_errno=True).setns(OFFLINE, CLONE_NEWNET) == 0:
        return None
    return disable_network()


def spawn(req):
    tid = req["id"]
    try:
        log_fd = os.open(req["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    except OSError as e:
        send({"failed": tid, "error": "cannot open %s: %s" % (req["log"], e.strerror)})
        return
    with lock:
        try:
            pid = os.fork()
        except OSError as e:
            os.close(log_fd)
            send({"failed": tid, "error": "fork: %s" % e.strerror})
            return
        if pid == 0:
            try:
                os.setpgid(0, 0)
                for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGPIPE, signal.SIGCHLD):
                    signal.signal(sig, signal.SIG_DFL)
                null = os.open("/dev/null", os.O_RDONLY)
                os.dup2(null, 0)
                os.dup2(log_fd, 1)
                os.dup2(log_fd, 2)
                os.chdir(req["cwd"])
                if not req.get("network", True):
                    problem = enter_offline()
                    if problem:
                        os.write(2, ("tsbake: %s; the task runs with the host network\n" % problem).encode())
                os.execve(req["argv"][0], req["argv"], req["env"])
            except BaseException as e:  # noqa: BLE001 - report anything, then die
                os.write(2, ("tsbake: cannot start task: %s\n" % e).encode())
            finally:
                os._exit(127)
        running[pid] = tid
        has_children.notify()
    os.close(log_fd)
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
    global OFFLINE
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    OFFLINE = shared_offline_namespace()
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
