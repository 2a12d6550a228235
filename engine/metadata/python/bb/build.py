"""bb.build: exec_func for python functions while parsing (shell functions cannot run here),
addtask and deltask."""
from ._strict import strict_getattr


class FuncFailed(Exception):
    def __init__(self, name, msg=None):
        self.name = name
        self.msg = msg or "Function failed: %s" % name
        Exception.__init__(self, self.msg)

    def __str__(self):
        return self.msg


def exec_func(func, d, dirs=None):
    """Runs python function `func` from the datastore with `d` (its flags name its source)."""
    import bb
    from tsbake_worker import contexts

    body = d.getVar(func, False)
    if not body:
        if body is None:
            bb.warn("Function %s doesn't exist" % func)
        return
    flags = d.getVarFlags(func) or {}
    if not flags.get("python"):
        raise FuncFailed(func, "%s is a shell function: shell functions cannot run during parsing" % func)
    for directory in (dirs if dirs is not None else d.expand(flags.get("dirs") or "").split()):
        bb.utils.mkdirhier(directory)
    filename = flags.get("filename") or func
    lineno = int(flags.get("lineno") or 1)
    code = contexts.compile_at("def %s(d):\n%s" % (func, body), filename, lineno)
    scope = {}
    exec(code, contexts.current(), scope)
    scope[func](d)


def addtask(task, before, after, d):
    from tsbake_worker.proxy import store_call

    store_call(d, "addtask", task, before or None, after or None)


def deltask(task, d):
    from tsbake_worker.proxy import store_call

    store_call(d, "deltask", task)


def tasksbetween(task_start, task_end, d):
    """The tasks on every dependency chain from task_start up to task_end, in datastore order."""
    import bb

    known = set(d.getVar("__BBTASKS", False) or [])
    tasks = [k for k in d.keys() if k in known]
    deps = {t: d.getVarFlag(t, "deps", False) or [] for t in tasks}
    found = []

    def follow(task, chain):
        if task in chain:
            bb.fatal("Circular task dependencies as %s depends on itself via the chain %s" % (task, " -> ".join(chain)))
        chain.append(task)
        if task == task_end:
            found.extend(t for t in chain if t not in found)
        else:
            for other in tasks:
                if other != task and task in deps[other]:
                    follow(other, chain)
        chain.pop()

    follow(task_start, [])
    return found


__getattr__ = strict_getattr("bb.build")
