"""bb.runqueue: the task-id helpers ("mc:name:/path/recipe.bb:do_task") python libraries use."""
from ._strict import strict_getattr


def split_mc(n):
    if n.startswith("mc:") and n.count(":") >= 2:
        _, mc, rest = n.split(":", 2)
        return (mc, rest)
    return ("", n)


def split_tid_mcfn(tid):
    if tid.startswith("mc:") and tid.count(":") >= 2:
        elems = tid.split(":")
        mc = elems[1]
        fn = ":".join(elems[2:-1])
        taskname = elems[-1]
        mcfn = "mc:" + mc + ":" + fn
    else:
        tid = tid.rsplit(":", 1)
        mc = ""
        fn = tid[0]
        taskname = tid[1]
        mcfn = fn
    return (mc, fn, taskname, mcfn)


def split_tid(tid):
    return split_tid_mcfn(tid)[:3]


def mc_from_tid(tid):
    return split_tid(tid)[0]


def fn_from_tid(tid):
    return tid.rsplit(":", 1)[0]


def taskname_from_tid(tid):
    return tid.rsplit(":", 1)[1]


__getattr__ = strict_getattr("bb.runqueue")
