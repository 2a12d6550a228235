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
  stdin   {"signal": "SIGTERM"}  signal every running task's process group (Ctrl-C)
When stdin closes (tsbake exited or was killed), every running task's process group gets
SIGTERM, then SIGKILL, and the spawner exits: no task outlives tsbake.

No process outlives its task either. Each task gets a random TSBAKE_TASK token in its
environment; the spawner is the subreaper of everything its tasks start, so a process that
left the task's process group (setsid, a daemon's double fork) becomes the spawner's child
when its parent ends. When a task's main process exits, the spawner kills what is left of
its process group and every orphan carrying its token, and notes them in the task's log.
A process that both leaves its group and drops its environment lives until the spawner
exits (the spawner kills all its children then). With TSBAKE_PID_NAMESPACE=1 and root, the
spawner also runs as init of a PID namespace of its own: everything dies with it, even with
a SIGKILLed spawner, and a task cannot kill it. That is opt-in because tasks then see pids of
that namespace (`$$`, `$!`) which mean nothing outside it.
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
running = {}  # pid -> Task
out = sys.stdout
libc = ctypes.CDLL(None, use_errno=True)

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 2, 4, 8, 0x4000, 0x40000
PR_SET_CHILD_SUBREAPER = 36
ISOLATED = False
PROC_OK = True  # /proc shows the pids this process signals
DEFAULT_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGPIPE, signal.SIGCHLD, signal.SIGQUIT)


def send(obj):
    with lock:
        out.write(json.dumps(obj) + "\n")
        out.flush()


def go_offline():
    """Moves this process into a network namespace with only loopback. Returns an error text
    when the host refuses (tasks then run with the host network, as BitBake does)."""
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


class Task:
    __slots__ = ("id", "token", "log")

    def __init__(self, tid, token, log):
        self.id, self.token, self.log = tid, token, log


def enter_pid_namespace():
    """Opt-in, root only: continues as init of a new PID namespace (with its own /proc), while the
    original process waits for it and kills it if tsbake goes away. Returns an error text
    when that is not possible (then tasks are only cleaned up by process group and token)."""
    if os.environ.get("TSBAKE_PID_NAMESPACE") != "1":
        return "not asked for"
    if os.getuid() != 0:
        return "not root"
    if libc.unshare(CLONE_NEWPID | CLONE_NEWNS) != 0:
        return os.strerror(ctypes.get_errno())
    child = os.fork()
    if child == 0:
        # Our own /proc, so that pids read there are the pids this process signals; without
        # it the namespace still contains everything, but leftovers are found by group only.
        global PROC_OK
        PROC_OK = libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) == 0 and libc.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None) == 0
        return None
    # No threads here: a process whose children go to another PID namespace cannot make any.
    parent = int(os.environ.get("TSBAKE_PARENT_PID", "0") or "0")
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGCHLD])
    while True:
        done, status = os.waitpid(child, os.WNOHANG)
        if done:
            break
        if parent and not alive(parent):
            os.kill(child, signal.SIGKILL)
        signal.sigtimedwait([signal.SIGCHLD], 1.0)
    code = os.waitstatus_to_exitcode(status)
    os._exit(code if code >= 0 else 128 - code)


def spawn(req):
    if "signal" in req:
        signal_all(getattr(signal, req["signal"], signal.SIGTERM))
        return
    tid = req["id"]
    token = req.get("token") or os.urandom(16).hex()
    env = dict(req["env"])
    env["TSBAKE_TASK"] = token
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, req["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
        (os.POSIX_SPAWN_DUP2, 1, 2),
    ]
    with lock:
        try:
            pid = os.posix_spawn(req["argv"][0], req["argv"], env, file_actions=actions, setpgroup=0, setsigdef=DEFAULT_SIGNALS)
        except OSError as e:
            pid = None
            error = "cannot start %s: %s" % (req["argv"][0], e.strerror)
        if pid is not None:
            running[pid] = Task(tid, token, req["log"])
            has_children.notify()
    if pid is None:
        send({"failed": tid, "error": error})
    else:
        # In a PID namespace the pid means nothing to tsbake: it signals through us instead.
        send({"started": tid, "pid": pid, "isolated": ISOLATED})


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
            task = running.pop(pid, None)
        if task is None:
            continue
        left = kill_leftovers(pid, task.token)
        if left:
            note = "NOTE: the task left %d process(es) running; tsbake killed them:\n%s\n" % (len(left), "\n".join("  %d %s" % p for p in left))
            try:
                with open(task.log, "a") as f:
                    f.write(note)
            except OSError:
                pass
        code = os.waitstatus_to_exitcode(status)
        if code < 0:
            code = 128 - code
        send({"exited": task.id, "status": code, "cpu": usage.ru_utime + usage.ru_stime})


def read(path, mode="rb"):
    try:
        with open(path, mode) as f:
            return f.read()
    except OSError:
        return None


def cmdline(pid):
    raw = read("/proc/%d/cmdline" % pid) or b""
    return raw.replace(b"\0", b" ").decode("utf-8", "replace").strip() or "?"


def group_members(pgid):
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            stat = read("/proc/%s/stat" % name)
            if stat:
                fields = stat.rsplit(b")", 1)[1].split()
                if int(fields[2]) == pgid and fields[0] != b"Z":
                    found.append(int(name))
    return found


def orphans(token):
    """Our children (subreaper) that are no task and carry the task's token."""
    mark = b"TSBAKE_TASK=" + token.encode() + b"\0"
    found = []
    if not PROC_OK:
        return found
    for tid in os.listdir("/proc/self/task"):
        for pid in (read("/proc/self/task/%s/children" % tid) or b"").split():
            pid = int(pid)
            if pid not in running and mark in (read("/proc/%d/environ" % pid) or b""):
                found.append(pid)
    return found


def kill_leftovers(pgid, token):
    """Kills what the task left: its process group, then its orphans (repeatedly: killing
    an orphan orphans its own children). Returns (pid, command line) of each one killed."""
    killed = []
    try:
        os.killpg(pgid, 0)
    except OSError:
        members = []
    else:
        if not PROC_OK:
            os.killpg(pgid, signal.SIGKILL)
            return [(pgid, "process group %d" % pgid)]
        members = group_members(pgid)
    for _ in range(100):
        seen = {k for k, _ in killed}
        victims = [p for p in dict.fromkeys(members + orphans(token)) if p not in seen]
        if not victims:
            break
        for pid in victims:
            killed.append((pid, cmdline(pid)))
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            os.killpg(pgid, signal.SIGKILL)
        except OSError:
            pass
        for pid in victims:
            try:
                os.waitpid(pid, os.WNOHANG)
            except OSError:
                pass
        members = []
        time.sleep(0.01)
    return killed


def signal_all(sig):
    with lock:
        pids = list(running)
    for pid in pids:
        try:
            os.killpg(pid, sig)
        except OSError:
            pass


def kill_all():
    with lock:
        pids = list(running)
    signal_all(signal.SIGTERM)
    if pids:
        time.sleep(2)
    signal_all(signal.SIGKILL)
    # Whatever is left (orphans without a token) is our child: kill it too.
    for tid in os.listdir("/proc/self/task") if PROC_OK else ():
        for pid in (read("/proc/self/task/%s/children" % tid) or b"").split():
            try:
                os.kill(int(pid), signal.SIGKILL)
            except OSError:
                pass


def alive(pid):
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def watch_parent(ppid, on_gone):
    while True:
        time.sleep(1)
        if not alive(ppid):
            on_gone()
            os._exit(0)


def main():
    global ISOLATED
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.argv[1:] == ["offline"]:
        problem = go_offline()
        if problem:
            send({"warning": problem})
    ISOLATED = enter_pid_namespace() is None
    if not ISOLATED:
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    threading.Thread(target=reap, daemon=True).start()
    parent = int(os.environ.get("TSBAKE_PARENT_PID", "0") or "0")
    if parent and not ISOLATED:
        threading.Thread(target=watch_parent, args=(parent, kill_all), daemon=True).start()
    for line in sys.stdin:
        line = line.strip()
        if line:
            spawn(json.loads(line))
    kill_all()


if __name__ == "__main__":
    main()
