"""The requests tsbake sends: evaluate an expression, run statements, fire a parse event.

Each request names a context and the sync operations that bring it up to date, and a store
handle for `d`. Expressions follow BitBake's VariableParse.python_sub and better_eval: the
stripped code compiled as 'Var <NAME>' (or '<expansion>'), globals a copy of the context
plus `d`, locals a DataContext.
"""
from . import access, contexts, refs, state
from .output import flush_all
from .proxy import DataContext, forget_proxies, proxy_for

_eval_cache = {}


def serve(request):
    op = request.get("op")
    handler = _HANDLERS.get(op)
    if handler is None:
        raise RuntimeError("tsbake worker: unknown request %r" % (op,))
    if state.channel.depth == 1:
        forget_proxies()  # handles of earlier top-level requests are no longer valid
    context = contexts.enter(request.get("ctx", contexts.BASE), request.get("sync") or [])
    try:
        return handler(request, context, proxy_for(request.get("store")))
    finally:
        contexts.leave()
        flush_all()  # print() output of this request reaches tsbake before its reply


def _unterminated(exc):
    message = str(exc.msg)
    return message == "EOL while scanning string literal" or message.startswith("unterminated string literal")


def _compile_expression(code, varname):
    key = (code, varname)
    codeobj = _eval_cache.get(key)
    if codeobj is None:
        filename = "Var <%s>" % varname if varname else "<expansion>"
        codeobj = compile(code.strip(), filename, "eval")
        if len(_eval_cache) > 50000:
            _eval_cache.clear()
        _eval_cache[key] = codeobj
    return codeobj


def op_eval(request, context, d):
    code = request["code"]
    try:
        codeobj = _compile_expression(code, request.get("varname"))
        # A copy, as better_eval makes: comprehensions look `d` up in the globals, and the
        # expression must not leave anything behind in the context.
        globals_ = dict(context)
        globals_["d"] = d
        value = eval(codeobj, globals_, DataContext(d, context))
    except SyntaxError as e:
        # The expansion regex cut the expression inside a string: BitBake leaves it as text.
        if _unterminated(e):
            return {"unterminated": True}
        raise
    return {"value": str(value), "refs": refs.references(code)}


def op_exec(request, context, d):
    code = contexts.compile_at(request["code"], request["file"], request["line"])
    # One namespace for globals and locals, so that the statements' own names are visible
    # to functions and comprehensions they define; nothing leaks back into the context.
    namespace = dict(context)
    namespace["d"] = d
    exec(code, namespace)
    return None


def op_fire(request, context, d):
    import bb.event

    cls = getattr(bb.event, request["event"], None)
    if not (isinstance(cls, type) and issubclass(cls, bb.event.Event)):
        raise RuntimeError("tsbake's bb.event has no event class '%s'" % request["event"])
    event = cls.__new__(cls)
    bb.event.Event.__init__(event)
    if issubclass(cls, bb.event.RecipeEvent) or request.get("fn"):
        event.fn = request.get("fn")
    for key, value in (request.get("attrs") or {}).items():
        setattr(event, key, value)
    if cls is bb.event.MultiConfigParsed:
        event.mcdata = {"": d}  # tsbake has one configuration: no multiconfig
    for handler in request["handlers"]:
        name = handler["name"]
        # bb.event.register's shape in BitBake 2.19: the body under `def name(e, d):`,
        # with the def line at the handler's line so tracebacks name the real file line.
        code = contexts.compile_at("def %s(e, d):\n%s" % (name, handler["body"]), handler["file"], handler["line"])
        scope = {}
        exec(code, context, scope)
        event.data = d
        try:
            scope[name](event, d)
        finally:
            del event.data
    return None


def op_filter(request, context, d):
    import bb.filter

    return str(bb.filter.apply_filters(request["val"], [request["filter"]]))


def op_accessed(request, context, d):
    return access.take()


_HANDLERS = {"eval": op_eval, "exec": op_exec, "fire": op_fire, "filter": op_filter, "accessed": op_accessed}
