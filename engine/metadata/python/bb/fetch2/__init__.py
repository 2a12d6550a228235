"""bb.fetch2 (also importable as bb.fetch): the parts metadata uses while parsing. URLs are
decoded and encoded, `file://` entries are found along FILESPATH, and SCM revisions come
from SRCREV (or a `rev=`/`tag=` parameter) as BitBake's fetchers take them; a git revision
that floats (AUTOREV, a tag or branch name) is resolved with `git ls-remote` through the
revision cache engine/fetch/srcrev.ts keeps (the same file, keys and matching), so Python
and TypeScript agree on the commit within a build. Fetching itself is tsbake's engine/fetch."""
import collections
import json
import os
import re
import subprocess
import sys
import urllib.parse

from .._strict import strict_getattr

__version__ = "2"

SCM_SCHEMES = frozenset(["git", "gitsm", "svn", "hg", "bzr", "cvs", "repo", "p4", "osc", "gitannex"])
_SHA1 = re.compile(r"^[0-9a-f]{40}$")


class BBFetchException(Exception):
    def __init__(self, message):
        self.msg = message
        Exception.__init__(self, message)

    def __str__(self):
        return self.msg


class MalformedUrl(BBFetchException):
    def __init__(self, url, message=""):
        BBFetchException.__init__(self, message or "The URL: '%s' is invalid and cannot be interpreted" % url)
        self.url = url


class FetchError(BBFetchException):
    def __init__(self, message, url=None):
        BBFetchException.__init__(self, "Fetcher failure for URL: '%s'. %s" % (url, message) if url else "Fetcher failure: %s" % message)
        self.url = url


class ParameterError(BBFetchException):
    def __init__(self, message, url):
        BBFetchException.__init__(self, "URL: '%s' has invalid parameters. %s" % (url, message))
        self.url = url


class MissingParameterError(BBFetchException):
    def __init__(self, missing, url):
        BBFetchException.__init__(self, "URL: '%s' is missing the required parameter '%s'" % (url, missing))
        self.url = url
        self.missing = missing


class NoMethodError(BBFetchException):
    def __init__(self, url):
        BBFetchException.__init__(self, "Could not find a fetcher which supports the URL: '%s'" % url)
        self.url = url


class URI(object):
    """A SRC_URI entry: `scheme://[user[:password]@]host[:port]/path[?query][;name=value...]`.
    For `file:` URLs everything after `scheme://` is the path (which may be relative)."""

    def __init__(self, uri=None):
        self.scheme = ""
        self.userinfo = ""
        self.hostname = ""
        self.port = None
        self._path = ""
        self.params = collections.OrderedDict()
        self.query = collections.OrderedDict()
        self.relative = False
        if uri:
            self._parse(uri)

    def _parse(self, uri):
        head, _, paramtext = uri.partition(";")
        for param in paramtext.split(";") if paramtext else []:
            if not param:
                continue
            if "=" not in param:
                raise MalformedUrl(uri, "The URL: '%s' is invalid: parameter %s does not specify a value (missing '=')" % (uri, param))
            key, value = param.split("=", 1)
            self.params[key] = value
        if "://" not in head:
            if ":" not in head:
                raise MalformedUrl(uri)
            self.scheme, rest = head.split(":", 1)
            self.relative = True
            self._path = urllib.parse.unquote(rest)
            return
        self.scheme, rest = head.split("://", 1)
        rest, _, querytext = rest.partition("?")
        for pair in querytext.split("&") if querytext else []:
            key, _, value = pair.partition("=")
            self.query[key] = value
        if self.scheme == "file":
            self.relative = not rest.startswith("/")
            self._path = urllib.parse.unquote(rest)
            return
        netloc, slash, path = rest.partition("/")
        self._path = urllib.parse.unquote(slash + path)
        if "@" in netloc:
            self.userinfo, netloc = netloc.rsplit("@", 1)
        host, colon, port = netloc.rpartition(":") if not netloc.endswith("]") else (netloc, "", "")
        if colon and port.isdigit():
            self.hostname, self.port = host, int(port)
        else:
            self.hostname = netloc

    @property
    def path(self):
        return self._path

    @path.setter
    def path(self, value):
        self._path = value
        self.relative = not value.startswith("/")

    @property
    def hostport(self):
        return "%s:%d" % (self.hostname, self.port) if self.port else self.hostname

    @property
    def username(self):
        return self.userinfo.split(":", 1)[0] if self.userinfo else ""

    @username.setter
    def username(self, value):
        password = self.password
        self.userinfo = value + (":" + password if password else "")

    @property
    def password(self):
        return self.userinfo.split(":", 1)[1] if ":" in self.userinfo else ""

    @password.setter
    def password(self, value):
        self.userinfo = self.username + (":" + value if value else "")

    @property
    def path_quoted(self):
        return urllib.parse.quote(self._path)

    def __str__(self):
        text = self.scheme + ":"
        if not self.relative or self.scheme != "file" or self.hostname:
            text += "//"
        if self.userinfo:
            text += self.userinfo + "@"
        text += self.hostport + urllib.parse.quote(self._path, safe="/~+")
        if self.query:
            text += "?" + "&".join("%s=%s" % item for item in self.query.items())
        for key, value in self.params.items():
            text += ";%s=%s" % (key, value)
        return text


def decodeurl(url):
    """(scheme, host[:port], path, user, password, params) of a URL."""
    uri = URI(url)
    return uri.scheme, uri.hostport, uri.path or "/", uri.username, uri.password, uri.params


def encodeurl(decoded):
    scheme, host, path, user, password, params = decoded
    if not scheme:
        raise MissingParameterError("type", "encoded from the data %s" % str(decoded))
    text = "%s://" % scheme
    if user and scheme != "file":
        text += user + (":" + password if password else "") + "@"
    if host and scheme != "file":
        text += host
    if path:
        text += urllib.parse.quote(path, safe="/~+@")
    for key, value in (params or {}).items():
        text += ";%s=%s" % (key, value)
    return text


def mirror_from_string(data):
    """PREMIRRORS/MIRRORS text as [[pattern, replacement], ...]."""
    words = (data or "").replace("\\n", " ").split()
    if len(words) % 2:
        raise FetchError("Invalid mirror data %s, should have paired members." % data)
    return [list(pair) for pair in zip(words[::2], words[1::2])]


def _srcrev(ud, d):
    """The revision a SCM entry names: SRCREV_<name>[:pn-PN], SRCREV[:pn-PN], or its rev/tag parameter."""
    pn = d.getVar("PN")
    attempts = []
    if ud.name and pn:
        attempts.append("SRCREV_%s:pn-%s" % (ud.name, pn))
    if ud.name:
        attempts.append("SRCREV_%s" % ud.name)
    if pn:
        attempts.append("SRCREV:pn-%s" % pn)
    attempts.append("SRCREV")
    srcrev = None
    for name in attempts:
        srcrev = d.getVar(name)
        if srcrev and srcrev != "INVALID":
            break
    unset = srcrev == "INVALID" or not srcrev
    if "rev" in ud.parm:
        if not unset and srcrev != ud.parm["rev"]:
            raise FetchError("Conflicting revisions (%s from SRCREV and %s from the url) found, please specify one valid value" % (srcrev, ud.parm["rev"]))
        return ud.parm["rev"]
    if "tag" in ud.parm and unset:
        return ud.parm["tag"]
    if unset:
        raise FetchError("Please set a valid SRCREV for url %s (possible key names are %s, or use a ;rev=X URL parameter)" % (str(attempts), ud.url), ud.url)
    if srcrev == "AUTOINC":
        d.setVar("__BBAUTOREV_ACTED_UPON", True)
    return srcrev


_TRUE = ("1", "yes", "y", "true", "on")


def _mark_recipe_nocache(d):
    if d.getVar("BB_SRCREV_POLICY") != "cache":
        d.setVar("BB_DONT_CACHE", "1")


def _revisions_file(d):
    return os.path.join(d.getVar("BB_CACHEDIR") or os.path.join(d.getVar("TOPDIR") or ".", "cache"), "tsbake-srcrevisions.json")


def _read_revisions(path):
    try:
        with open(path) as f:
            data = json.load(f)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _latest_revision(ud, d):
    """The commit a floating git revision names now: the build's revision cache, else git ls-remote."""
    _mark_recipe_nocache(d)
    if ud.parm.get("usehead") == "1":
        name = "HEAD"
    else:
        name = ud.parm.get("branch", "") if ud.revision == "AUTOINC" else ud.revision
    key = "git:" + ud.host + re.sub("/+", ".", ud.path) + name
    path = _revisions_file(d)
    known = _read_revisions(path).get(key)
    if known is not None:
        return known
    proto = ud.parm.get("protocol") or ("git" if ud.host else "file")
    user = ud.user + "@" if ud.user else ""
    repourl = ud.path if proto == "file" else "%s://%s%s%s" % (proto, user, ud.host, ud.path)
    if proto != "file" and (d.getVar("BB_NO_NETWORK") or "").lower() in _TRUE:
        raise FetchError("Network access disabled through BB_NO_NETWORK, but git ls-remote %s is needed to resolve %s" % (repourl, name), ud.url)
    out = subprocess.run(["git", "-c", "core.pager=cat", "ls-remote", repourl], capture_output=True, text=True)
    if out.returncode != 0:
        raise FetchError("git ls-remote %s failed: %s" % (repourl, out.stderr.strip()), ud.url)
    refs = {}
    for line in out.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2:
            refs[parts[1]] = parts[0]
    wanted = [name] if name.startswith("refs/") or name == "HEAD" else ["refs/heads/" + name, "refs/tags/" + name + "^{}", "refs/tags/" + name]
    for ref in wanted:
        if ref in refs:
            revs = _read_revisions(path)
            revs[key] = refs[ref]
            os.makedirs(os.path.dirname(path), exist_ok=True)
            tmp = "%s.tmp-%d" % (path, os.getpid())
            with open(tmp, "w") as f:
                json.dump(revs, f, indent=1)
                f.write("\n")
            os.replace(tmp, path)
            return refs[ref]
    raise FetchError("Unable to resolve '%s' in upstream git repository in git ls-remote output for %s" % (name, ud.host + ud.path), ud.url)


class _Method(object):
    def __init__(self, scheme):
        self.scheme = scheme

    def supports_srcrev(self):
        return self.scheme in SCM_SCHEMES


class FetchData(object):
    """One SRC_URI entry as far as parsing needs it: decoded parts, name, revision, local path."""

    def __init__(self, url, d):
        self.url = url
        self.type, self.host, self.path, self.user, self.pswd, self.parm = decodeurl(d.expand(url))
        self.name = self.parm.get("name", "default")
        if "," in self.name:
            raise ParameterError("The fetcher no longer supports multiple name parameters in a single url", url)
        self.method = _Method(self.type)
        self.revision = None
        if self.method.supports_srcrev():
            self.revision = _srcrev(self, d)
            if self.type in ("git", "gitsm") and not _SHA1.match(self.revision or ""):
                self.revision = _latest_revision(self, d)
        self.localpath = _local_path(self, d)


def _file_search_paths(ud, d):
    """The FILESPATH candidates for a relative file:// path, up to the first that exists."""
    if ud.path.startswith("/"):
        return [ud.path]
    searched = []
    for directory in (d.getVar("FILESPATH") or "").split(":"):
        candidate = os.path.join(directory, ud.path)
        searched.append(candidate)
        if os.path.exists(candidate):
            break
    return searched


def _git_clone_name(ud):
    name = "%s%s" % (ud.host.replace(":", "."), ud.path.replace("/", ".").replace("*", ".").replace(" ", "_").replace("(", "_").replace(")", "_"))
    name = name[1:] if name.startswith(".") else name
    if ud.parm.get("rebaseable", "0").lower() in ("1", "yes", "y", "true", "t", "on"):
        name += "_" + ud.revision
    return name


def _local_path(ud, d):
    """Where the fetcher of `ud`'s scheme puts (or finds) the download; None when unknown here."""
    if ud.type == "file":
        searched = _file_search_paths(ud, d)
        return searched[-1] if searched else None
    if ud.type in ("git", "gitsm"):
        return os.path.join(d.getVar("GITDIR") or (d.getVar("DL_DIR") + "/git2"), _git_clone_name(ud))
    if ud.type in ("http", "https", "ftp", "ftps"):
        basename = ud.parm.get("downloadfilename") or os.path.basename(ud.path)
        localfile = d.expand(urllib.parse.unquote(basename)) if basename else ud.host + ud.path.replace("/", ".")
        return os.path.join(d.getVar("DL_DIR"), localfile)
    return None


class Fetch(object):
    def __init__(self, urls, d, cache=True, localonly=False, connection_cache=None):
        if localonly and cache:
            raise ValueError("bb.fetch2.Fetch: localonly and cache cannot both be set")
        self.d = d
        self.urls = list(urls) if urls else (d.getVar("SRC_URI") or "").split()
        self.ud = collections.OrderedDict()
        for url in self.urls:
            if localonly and not url.startswith("file:"):
                self.ud[url] = None
                continue
            self.ud[url] = FetchData(url, d)

    def localpath(self, url):
        ud = self.ud.get(url) or FetchData(url, self.d)
        if ud.localpath is None:
            raise FetchError("tsbake's parse-time fetcher has no download path for %s URLs" % ud.type, url)
        return ud.localpath


def localpath(url, d):
    return Fetch([url], d).localpath(url)


def _revisions(d):
    d.setVar("__BBSRCREV_SEEN", "1")
    if d.getVar("__BBINSRCREV"):
        raise FetchError("There are recursive references in fetcher variables, likely through SRC_URI")
    d.setVar("__BBINSRCREV", True)
    try:
        fetcher = Fetch((d.getVar("SRC_URI") or "").split(), d)
        scms = [ud for ud in fetcher.ud.values() if ud.method.supports_srcrev()]
    finally:
        d.delVar("__BBINSRCREV")
    revs = [str(ud.revision) for ud in scms]
    if not scms:
        return "", revs
    # Every SCM fetcher's default sortable_revision marks the revision AUTOINC.
    if len(scms) == 1:
        return "AUTOINC+" + revs[0][:10], revs
    form = d.getVar("SRCREV_FORMAT")
    if not form:
        raise FetchError("The SRCREV_FORMAT variable must be set when multiple SCMs are used.\nThe SCMs are:\n%s" % "\n".join(ud.url for ud in scms))
    short = {ud.name: str(ud.revision)[:10] for ud in scms}
    names = sorted(short, key=len, reverse=True)
    form = re.sub("|".join(re.escape(n) for n in names), lambda m: short[m.group(0)], form)
    return "AUTOINC+" + form, revs


def get_hashvalue(d, method_name="sortable_revision"):
    return " ".join(_revisions(d)[1])


def get_pkgv_string(d, method_name="sortable_revision"):
    return _revisions(d)[0]


def get_srcrev(d, method_name="sortable_revision"):
    pkgv = _revisions(d)[0]
    if not pkgv:
        raise FetchError("SRCREV was used yet no valid SCM was found in SRC_URI")
    return pkgv


def get_autorev(d):
    _mark_recipe_nocache(d)
    d.setVar("__BBAUTOREV_SEEN", True)
    return "AUTOINC"


def get_checksum_file_list(d):
    """`path:True|False` for every candidate of every file:// entry, as do_fetch[file-checksums] wants."""
    import bb

    listing = []
    for url in (d.getVar("SRC_URI") or "").split():
        if not url.startswith("file:"):
            continue
        ud = FetchData(url, d)
        paths = _file_search_paths(ud, d)
        found = False
        for path in paths:
            exists = os.path.exists(path)
            found = found or exists
            listing.append("%s:%s" % (path, exists))
        if not found:
            bb.fatal("Unable to get checksum for %s SRC_URI entry %s: file could not be found\nThe following paths were searched:\n%s"
                     % (d.getVar("PN"), os.path.basename(ud.path), "\n".join(paths)))
    return " ".join(listing)


sys.modules["bb.fetch"] = sys.modules[__name__]
__getattr__ = strict_getattr("bb.fetch2")
