"""bb.utils for parse-time metadata: membership tests, version comparison, dependency
strings, small file helpers. Behaviour follows BitBake 2.19's documented semantics."""
import collections
import errno
import fcntl
import glob
import hashlib
import os
import re
import subprocess

from ._strict import strict_getattr


class VersionStringException(Exception):
    """A version or dependency string that cannot be understood."""


def get_context():
    """The global namespace metadata Python runs in (the current recipe's context)."""
    from tsbake_worker import contexts

    return contexts.current()


# ---- variable membership -----------------------------------------------------------------


def _word_set(values):
    return set(values.split()) if isinstance(values, str) else set(values)


def contains(variable, checkvalues, truevalue, falsevalue, d):
    """truevalue when every word of checkvalues is a word of the variable."""
    value = d.getVar(variable)
    if not value:
        return falsevalue
    return truevalue if _word_set(checkvalues) <= set(value.split()) else falsevalue


def contains_any(variable, checkvalues, truevalue, falsevalue, d):
    """truevalue when some word of checkvalues is a word of the variable."""
    value = d.getVar(variable)
    if not value:
        return falsevalue
    return truevalue if _word_set(checkvalues) & set(value.split()) else falsevalue


def filter_string(val, checkvalues):
    """The words present in both, sorted and space-separated."""
    if not val:
        return ""
    return " ".join(sorted(_word_set(checkvalues) & set(val.split())))


def filter(variable, checkvalues, d):
    return filter_string(d.getVar(variable), checkvalues)


def to_boolean(string, default=None):
    if not string:
        return default
    if isinstance(string, int):
        return string != 0
    lowered = string.lower()
    if lowered in ("y", "yes", "1", "true"):
        return True
    if lowered in ("n", "no", "0", "false"):
        return False
    raise ValueError("Invalid value for to_boolean: %s" % string)


# ---- versions ----------------------------------------------------------------------------

_ALPHA = re.compile(r"[a-zA-Z]+")
_DIGITS = re.compile(r"\d+")


def explode_version(s):
    """Version text as (order, part) tuples: '~' sorts first, then numbers, letters, others."""
    parts = []
    i = 0
    while i < len(s):
        ch = s[i]
        if ch.isdigit() and ch.isascii():
            m = _DIGITS.match(s, i)
            parts.append((0, int(m.group())))
            i = m.end()
        elif ch.isascii() and ch.isalpha():
            m = _ALPHA.match(s, i)
            parts.append((1, m.group()))
            i = m.end()
        else:
            parts.append((-1 if ch == "~" else 2, ch))
            i += 1
    return parts


def split_version(s):
    """'PE:PV-PR' as (pe, pv, pr); pe defaults to 0 and pr to ''."""
    s = s.strip(" <>=")
    epoch = 0
    if ":" in s:
        epoch = int(s.split(":")[0])
        s = s.split(":")[1]
    release = ""
    if "-" in s:
        s, release = s.rsplit("-", 1)
    return (epoch, s, release)


def _vercmp_part(a, b):
    left, right = explode_version(a), explode_version(b)
    for i in range(max(len(left), len(right))):
        oa, ca = left[i] if i < len(left) else (0, None)
        ob, cb = right[i] if i < len(right) else (0, None)
        if oa != ob:
            return -1 if oa < ob else 1
        if ca is None:
            return -1
        if cb is None:
            return 1
        if ca != cb:
            return -1 if ca < cb else 1
    return 0


def vercmp(ta, tb):
    (ea, va, ra), (eb, vb, rb) = ta, tb
    result = int(ea or 0) - int(eb or 0)
    if result == 0:
        result = _vercmp_part(va, vb)
    if result == 0:
        result = _vercmp_part(ra, rb)
    return result


def vercmp_string(a, b):
    return vercmp(split_version(a), split_version(b))


def vercmp_string_op(a, b, op):
    result = vercmp_string(a, b)
    tests = {"=": result == 0, "==": result == 0, "<=": result <= 0, ">=": result >= 0,
             ">": result > 0, ">>": result > 0, "<": result < 0, "<<": result < 0, "!=": result != 0}
    if op not in tests:
        raise VersionStringException('Unsupported comparison operator "%s"' % op)
    return tests[op]


# ---- dependency strings ------------------------------------------------------------------


def explode_deps(s):
    """The names in an RDEPENDS-style string, version constraints dropped."""
    names = []
    in_version = False
    for word in s.split():
        if word.startswith("("):
            in_version = True
        if not in_version:
            names.append(word)
        if in_version and word.endswith(")"):
            in_version = False
    return names


_OPERATORS_2 = ("<=", "=<", "<<", "==", "!=", ">=", "=>", ">>")
_OPERATORS_1 = ("<", ">", "=")


def explode_dep_versions2(s, *, sort=True):
    """{name: ['op version', ...]} from an RDEPENDS-style string (commas ignored)."""
    result = collections.OrderedDict()
    last_dep, last_op, last_ver = None, "", ""
    in_op = in_version = False
    for word in s.replace(",", "").split():
        if word.startswith("("):
            in_op = True
            word = word[1:].strip()
            if not word:
                continue
        if in_op:
            in_op, in_version = False, True
            if word.startswith(_OPERATORS_2):
                last_op, word = word[:2], word[2:]
            elif word.startswith(_OPERATORS_1):
                last_op, word = word[:1], word[1:]
            else:
                raise VersionStringException('Invalid version specification in "(%s" - invalid or missing operator' % word)
            if not word:
                continue
        if in_version:
            if word.endswith(")"):
                word = word[:-1]
                in_version = False
                if last_ver and word:
                    last_ver += " "
            if word:
                last_ver += word
                result.setdefault(last_dep, []).append(last_op + " " + last_ver)
            continue
        last_dep, last_ver, last_op = word, "", ""
        if not result.get(word):
            result[word] = []
    if sort:
        result = collections.OrderedDict(sorted(result.items(), key=lambda item: item[0]))
    return result


def explode_dep_versions(s):
    """Like explode_dep_versions2 with one constraint (or None) per name."""
    result = explode_dep_versions2(s)
    for name in result:
        versions = result[name]
        if not versions:
            result[name] = None
            continue
        if len(versions) > 1:
            import bb

            bb.warn("explode_dep_versions(): Item %s appeared in dependency string '%s' multiple times with different values.  explode_dep_versions cannot cope with this." % (name, s))
        result[name] = versions[0]
    return result


def join_deps(deps, commasep=True):
    words = []
    for name in deps:
        versions = deps[name]
        if not versions:
            words.append(name)
        elif isinstance(versions, list):
            words.extend(name + " (" + v + ")" for v in versions)
        else:
            words.append(name + " (" + versions + ")")
    return (", " if commasep else " ").join(words)


# ---- files and paths ---------------------------------------------------------------------


def prune_suffix(var, suffixes, d):
    for suffix in suffixes:
        if suffix and var.endswith(suffix):
            return var[: -len(suffix)]
    return var


def mkdirhier(directory):
    if "${" in str(directory):
        import bb

        bb.fatal("Directory name %s contains unexpanded bitbake variable. This may cause build failures and WORKDIR polution." % directory)
    try:
        os.makedirs(directory)
    except OSError as e:
        if e.errno != errno.EEXIST or not os.path.isdir(directory):
            raise


def _unsafe_to_delete(path):
    home = os.environ.get("HOME", "")
    target = os.path.abspath(path)
    return target in ("/", "//", "/home") or re.fullmatch(r"/home/[^/]*", target) is not None or (home and target == home)


def remove(path, recurse=False, ionice=False):
    """rm -f, or rm -rf with recurse; refuses /, /home, /home/x and $HOME."""
    if not path:
        return
    matches = glob.glob(path)
    if recurse:
        for name in matches:
            if _unsafe_to_delete(name):
                raise Exception('bb.utils.remove: called with dangerous path "%s" and recurse=True, refusing to delete!' % name)
        if matches:
            subprocess.check_call((["ionice", "-c", "3"] if ionice else []) + ["rm", "-rf"] + matches)
        return
    for name in matches:
        try:
            os.unlink(name)
        except FileNotFoundError:
            pass


def which(path, item, direction=0, history=False, executable=False):
    """The first `item` found along the colon-separated `path` ('' if none)."""
    if executable:
        candidate = lambda p: os.path.isfile(p) and os.access(p, os.X_OK)  # noqa: E731
    else:
        candidate = os.path.exists
    tried = []
    paths = (path or "").split(":")
    if direction != 0:
        paths.reverse()
    for p in paths:
        full = os.path.join(p, item)
        tried.append(full)
        if candidate(full):
            if not os.path.isabs(full):
                full = os.path.abspath(full)
            return (full, tried) if history else full
    return ("", tried) if history else ""


def lockfile(name, shared=False, retry=True, block=False):
    """An flock on `name` (created if needed); None when not retrying and it is taken."""
    dirname = os.path.dirname(name)
    if dirname:
        mkdirhier(dirname)
    op = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
    if not retry and not block:
        op |= fcntl.LOCK_NB
    while True:
        handle = open(name, "a+")
        try:
            fcntl.flock(handle.fileno(), op)
            # The previous holder may have unlinked the file; our lock must be on the live one.
            if os.path.exists(name) and os.stat(name).st_ino == os.fstat(handle.fileno()).st_ino:
                return handle
        except OSError:
            pass
        handle.close()
        if not retry:
            return None


def unlockfile(lf):
    try:
        fcntl.flock(lf.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.unlink(lf.name)
    except OSError:
        pass
    fcntl.flock(lf.fileno(), fcntl.LOCK_UN)
    lf.close()


def _file_digest(method, filename):
    with open(filename, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            method.update(chunk)
    return method.hexdigest()


def md5_file(filename):
    return _file_digest(hashlib.md5(usedforsecurity=False), filename)


def sha256_file(filename):
    return _file_digest(hashlib.sha256(), filename)


def sha1_file(filename):
    return _file_digest(hashlib.sha1(), filename)


__getattr__ = strict_getattr("bb.utils")
