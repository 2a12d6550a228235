"""bb.event: the parse-time event classes. Handlers are registered and fired by tsbake
(PythonWorker.fire), so register() and fire() here accept and do nothing."""
import os

from ._strict import strict_getattr

Registered = 10
AlreadyRegistered = 14


class Event(object):
    def __init__(self):
        self.pid = os.getpid()


class ConfigParsed(Event):
    """Configuration parsing complete."""


class RecipeEvent(Event):
    def __init__(self, fn):
        self.fn = fn
        Event.__init__(self)


class RecipePreDeferredInherits(RecipeEvent):
    """Before deferred inherits are processed; `inherits` lists them."""

    def __init__(self, fn, inherits):
        self.inherits = inherits
        RecipeEvent.__init__(self, fn)


class RecipePreFinalise(RecipeEvent):
    """Recipe parsed, not yet finalised."""


class RecipePostKeyExpansion(RecipeEvent):
    """Recipe parsed and its keys expanded, not yet finalised."""


class RecipeTaskPreProcess(RecipeEvent):
    """Tasks are final; handlers may only change their dependencies."""

    def __init__(self, fn, tasklist):
        self.tasklist = tasklist
        RecipeEvent.__init__(self, fn)


class RecipeParsed(RecipeEvent):
    """Recipe parsing complete."""


class MultiConfigParsed(Event):
    """Every multiconfig's configuration parsed; `mcdata` maps each name ('' is the default) to its datastore."""

    def __init__(self, mcdata):
        self.mcdata = mcdata
        Event.__init__(self)


# Events tsbake never fires while parsing; they exist so that handlers can test for them.
def _never_fired(name):
    return type(name, (Event,), {"__doc__": "Not fired while parsing; for isinstance() tests in handlers."})


for _name in ("BuildBase", "BuildInit", "BuildStarted", "BuildCompleted", "HeartbeatEvent",
              "MetadataEvent", "ParseStarted", "ParseCompleted", "ParseError", "ProcessStarted",
              "ProcessProgress", "ProcessFinished", "SanityCheck", "SanityCheckPassed",
              "SanityCheckFailed", "NetworkTest", "NetworkTestPassed", "NetworkTestFailed",
              "NoProvider", "MonitorDiskEvent", "LogExecTTY", "FindSigInfoResult",
              "FilesMatchingFound", "TreeDataPreparationCompleted", "StaleSetSceneTasks",
              "ReachableStamps", "DiskFull", "MultipleProviders", "DepTreeGenerated"):
    globals()[_name] = _never_fired(_name)


def getName(e):
    return e.__name__ if isinstance(e, type) else e.__class__.__name__


def register(name, handler, mask=None, filename=None, lineno=None, data=None):
    return Registered


def remove(name, handler, data=None):
    pass


def fire(event, d):
    pass


__getattr__ = strict_getattr("bb.event")
