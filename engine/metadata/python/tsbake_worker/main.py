"""Worker entry: connect the FIFOs, say hello, serve tsbake until it closes the pipe."""
import os
import sys
import traceback

from . import access, contexts, errors, ops, output, state
from .channel import Channel, ChannelClosed


def main(argv):
    if len(argv) != 3:
        sys.__stderr__.write("usage: worker.py IN_FIFO OUT_FIFO\n")
        os._exit(2)
    access.install()
    parent = os.environ.get("TSBAKE_PARENT_PID")
    if parent and parent.isdigit():
        output.watch_parent(int(parent))
    channel = Channel(argv[1], argv[2])
    channel.serve = ops.serve
    channel.describe = errors.describe
    channel.raise_remote = errors.raise_remote
    state.channel = channel
    channel.before_send = output.send_batched
    sys.stdout = output.LineForwarder("plain")
    sys.stderr = output.LineForwarder("plain")
    contexts.reset()
    try:
        channel.send({"t": "hello", "pid": os.getpid(), "python": sys.version.split()[0]})
        channel.run()
    except ChannelClosed:
        pass
    except BaseException:
        traceback.print_exc(file=sys.__stderr__)
        sys.__stderr__.flush()
        os._exit(1)
    # No interpreter shutdown: nothing to save, and metadata threads must not keep us alive.
    os._exit(0)
