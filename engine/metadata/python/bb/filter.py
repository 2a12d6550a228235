"""bb.filter: variable filters (d.setVarFilter). A filter is a Python expression over `val`
that may call only the functions registered with @filter_proc and a few builtins; its
result replaces the expanded value. Results are memoised: filter functions must be pure."""
import builtins

from ._strict import strict_getattr

_namespace = {"__builtins__": {}}
_memo = {}


class Namespace(object):
    """A dotted name's intermediate level (`filter_proc(name="a.b")`); read-only as attributes."""

    def __getitem__(self, name):
        return self.__dict__[name]

    def __setitem__(self, name, value):
        self.__dict__[name] = value

    def __contains__(self, name):
        return name in self.__dict__

    def __setattr__(self, name, value):
        raise AttributeError("filter namespace attribute %r is read-only" % name)

    def __delattr__(self, name):
        raise AttributeError("filter namespace attribute %r is read-only" % name)


def filter_proc(*, name=None):
    """Registers the decorated function for filter expressions, as `name` or its own name."""

    def register(func):
        parts = (name or func.__name__).split(".")
        scope = _namespace
        for part in parts[:-1]:
            if part not in scope:
                scope[part] = Namespace()
            scope = scope[part]
        scope[parts[-1]] = func
        return func

    return register


def apply_filters(val, expressions):
    for expression in expressions:
        expression = expression.strip()
        if not expression:
            continue
        key = (val, expression)
        if key not in _memo:
            _memo[key] = eval(expression, dict(_namespace), {"val": val})
        val = _memo[key]
    return val


for _builtin in ("all", "any", "bin", "bool", "chr", "enumerate", "float", "format", "hex", "int",
                 "len", "map", "max", "min", "oct", "ord", "pow", "str", "sum"):
    filter_proc()(getattr(builtins, _builtin))


@filter_proc()
def suffix(val, suffix):
    return " ".join(word + suffix for word in val.split())


@filter_proc()
def prefix(val, prefix):
    return " ".join(prefix + word for word in val.split())


@filter_proc()
def sort(val):
    return " ".join(sorted(val.split()))


@filter_proc()
def remove(val, remove, sep=None):
    if isinstance(remove, str):
        remove = remove.split(sep)
    kept = [word for word in val.split(sep) if word not in remove]
    return (sep or " ").join(kept)


__getattr__ = strict_getattr("bb.filter")
