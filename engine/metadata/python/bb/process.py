"""bb.process.run: run a command, return (stdout, stderr), raise on a non-zero exit."""
import signal
import subprocess

from ._strict import strict_getattr


class CmdError(RuntimeError):
    def __init__(self, command, msg=None):
        self.command = command
        self.msg = msg

    def __str__(self):
        cmd = self.command if isinstance(self.command, str) else subprocess.list2cmdline(self.command)
        text = "Execution of '%s' failed" % cmd
        return text + (": %s" % self.msg if self.msg else "")


class NotFoundError(CmdError):
    def __str__(self):
        return CmdError.__str__(self) + ": command not found"


class ExecutionError(CmdError):
    def __init__(self, command, exitcode, stdout=None, stderr=None):
        CmdError.__init__(self, command)
        self.exitcode = exitcode
        self.stdout = stdout
        self.stderr = stderr
        self.extra_message = None

    def __str__(self):
        output = (self.stderr or "") + (self.stdout or "")
        return "%s with exit code %s%s%s" % (CmdError.__str__(self), self.exitcode,
                                            ":\n" + output if output else "", self.extra_message or "")


def _restore_sigpipe():
    # Python ignores SIGPIPE; the commands it starts expect the default.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)


class Popen(subprocess.Popen):
    defaults = {"close_fds": True, "preexec_fn": _restore_sigpipe, "stdout": subprocess.PIPE,
                "stderr": subprocess.PIPE, "stdin": subprocess.PIPE, "shell": False}

    def __init__(self, *args, **kwargs):
        options = dict(self.defaults)
        options.update(kwargs)
        subprocess.Popen.__init__(self, *args, **options)


def run(cmd, input=None, log=None, extrafiles=None, **options):
    if isinstance(cmd, str) and "shell" not in options:
        options["shell"] = True
    try:
        pipe = Popen(cmd, **options)
    except OSError as exc:
        if exc.errno == 2:
            raise NotFoundError(cmd)
        raise CmdError(cmd, exc)
    stdout, stderr = pipe.communicate(input)
    if stdout is not None:
        stdout = stdout.decode("utf-8")
    if stderr is not None:
        stderr = stderr.decode("utf-8")
    if log is not None:
        for text in (stdout, stderr):
            if text:
                log.write(text)
    if pipe.returncode != 0:
        raise ExecutionError(cmd, pipe.returncode, None if log else stdout, None if log else stderr)
    return stdout, stderr


__getattr__ = strict_getattr("bb.process")
