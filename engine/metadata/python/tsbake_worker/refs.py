"""The variables an inline-Python expression reads, found statically (for signatures).

The call shapes are BitBake's codeparser's: any `.getVar`/`.getVarFlag`/`.appendVar`...
call, `bb.utils.contains`-like helpers, and `${NAME}` inside a literal passed to `.expand`,
each with a string literal as first argument. Only the variable names are returned.
"""
import ast
import re

_GETVAR_SUFFIXES = (".getVar", ".appendVar", ".prependVar", "oe.utils.conditional",
                    ".getVarFlag", ".appendVarFlag", ".prependVarFlag")
_CONTAINS = frozenset(("bb.utils.contains", "base_contains", "bb.utils.contains_any", "bb.utils.filter"))
_VAR_REF = re.compile(r"\$\{([a-zA-Z0-9\-_+./~:]+)\}")

_cache = {}
_CACHE_LIMIT = 20000


def references(code):
    found = _cache.get(code)
    if found is None:
        if len(_cache) >= _CACHE_LIMIT:
            _cache.clear()
        found = _scan(code)
        _cache[code] = found
    return found


def _scan(code):
    try:
        tree = ast.parse(code.strip(), "<references>", "eval")
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        first = node.args[0]
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            continue
        called = _dotted(node.func)
        if called is None:
            continue
        if called.endswith(_GETVAR_SUFFIXES) or called in _CONTAINS:
            found.append((node.lineno, node.col_offset, [first.value]))
        elif called.endswith(".expand"):
            found.append((node.lineno, node.col_offset, _VAR_REF.findall(first.value)))
    # ast.walk is breadth-first; report in source order so the result reads naturally.
    found.sort(key=lambda item: (item[0], item[1]))
    return list(dict.fromkeys(name for _, _, names in found for name in names))


def _dotted(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))
