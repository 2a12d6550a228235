"""Length-prefixed JSON frames between the worker and tsbake, over two FIFOs.

Both directions carry requests (`t: "q"`) and replies (`t: "r"`). While one side waits for a
reply it keeps serving the other side's requests, because answering `d.getVar` may make
tsbake evaluate another `${@...}` here before it can answer. Only one side runs at a time,
so the frames strictly alternate and no side ever blocks writing while the other writes.
"""
import json
import os
import struct

_HEADER = struct.Struct(">I")


class ChannelClosed(Exception):
    """tsbake went away (EOF or a broken pipe): the worker has nothing left to do."""


class ProtocolError(Exception):
    """A frame that does not fit the protocol; a bug on one side or the other."""


class Channel:
    def __init__(self, in_path, out_path):
        # tsbake holds its end of IN open read-write, so this open never waits for it.
        self._reader = open(in_path, "rb")
        self._out = os.open(out_path, os.O_WRONLY)
        self._next_id = 0
        # ensure_ascii keeps lone surrogates (undecodable file names) valid JSON.
        self._encode = json.JSONEncoder(separators=(",", ":")).encode
        self.serve = None  # set by main: request dict -> JSON value (raises on failure)
        self.describe = None  # exception -> error dict for a failed reply
        self.raise_remote = None  # error dict from tsbake -> raises a Python exception
        self.depth = 0  # requests from tsbake being served right now (nesting level)
        self.before_send = None  # called before any frame goes out (flushes batched output)

    def send(self, message):
        if self.before_send is not None:
            self.before_send()
        body = self._encode(message).encode("ascii")
        view = memoryview(_HEADER.pack(len(body)) + body)
        try:
            while view:
                view = view[os.write(self._out, view):]
        except BrokenPipeError as e:
            raise ChannelClosed() from e

    def receive(self):
        head = self._reader.read(4)
        if len(head) < 4:
            raise ChannelClosed()
        (size,) = _HEADER.unpack(head)
        body = self._reader.read(size)
        if len(body) < size:
            raise ChannelClosed()
        return json.loads(body)

    def notify(self, op, fields):
        message = {"t": "n", "op": op}
        message.update(fields)
        self.send(message)

    def call(self, op, fields):
        """Asks tsbake to do `op` and returns its answer, serving nested requests meanwhile."""
        self._next_id += 1
        ident = self._next_id
        message = {"t": "q", "id": ident, "op": op}
        message.update(fields)
        self.send(message)
        while True:
            incoming = self.receive()
            kind = incoming.get("t")
            if kind == "r":
                if incoming.get("id") != ident:
                    raise ProtocolError("reply %r does not answer request %d" % (incoming.get("id"), ident))
                if incoming.get("ok"):
                    return incoming.get("value")
                self.raise_remote(incoming.get("error") or {})
            elif kind == "q":
                self._handle(incoming)
            else:
                raise ProtocolError("unexpected frame kind %r" % (kind,))

    def run(self):
        """Serves tsbake's requests until it closes the pipe."""
        while True:
            incoming = self.receive()
            if incoming.get("t") != "q":
                raise ProtocolError("expected a request, got %r" % (incoming.get("t"),))
            self._handle(incoming)

    def _handle(self, request):
        self.depth += 1
        try:
            reply = {"t": "r", "id": request.get("id"), "ok": True, "value": self.serve(request)}
        except (ChannelClosed, ProtocolError):
            raise
        except BaseException as e:  # SystemExit from metadata must not end the worker
            reply = {"t": "r", "id": request.get("id"), "ok": False, "error": self.describe(e)}
        finally:
            self.depth -= 1
        self.send(reply)
