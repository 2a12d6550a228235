#!/usr/bin/env python3
"""Generates the fetch-layout conformance cases in this directory from real BitBake.

Each scenario is a build directory (configuration, a base class whose do_fetch/do_unpack are
BitBake's Fetch().download()/unpack(), recipes, local files), an upstream directory (files
served over HTTP from upstream/http, mirror directories, git repositories made with fixed
dates so their commits are the same everywhere) and one or more bitbake command lines. The
script builds it all in a temporary directory, serves upstream/http on a loopback port, runs
BitBake and stores what it left: the file tree of DL_DIR and of each recipe's UNPACKDIR, and
for a failed run the task that failed and the fetch2 exception class. Only the stored results
matter; tests/fetch-conformance.test.ts runs tsbake on the same files and compares.

    LANG=en_US.UTF-8 python3 tests/fetch-cases/generate.py [--bitbake ../bitbake] [--jobs 2] [--only SUBSTR]

The trees list each entry as `path/` (directory), `path -> target` (symlink), `path MODE SIZE
SHA256[:16]` (file; `.done` stamps included, compared byte for byte), or by name only for git
repositories (`(git)`; a shallow one adds `.git/shallow SHA256[:16]`, its boundary commits) and git
mirror and shallow tarballs, whose bytes depend on git and the clock.
"""
import argparse
import base64
import bz2
import concurrent.futures
import functools
import gzip
import hashlib
import http.server
import io
import json
import lzma
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))

BITBAKE_CONF = """TMPDIR = "${TOPDIR}/tmp"
CACHE = "${TOPDIR}/cache"
PERSISTENT_DIR = "${TOPDIR}/cache"
PN = "${@bb.parse.vars_from_file(d.getVar('FILE', False),d)[0] or 'defaultpkgname'}"
PV = "${@bb.parse.vars_from_file(d.getVar('FILE', False),d)[1] or '1.0'}"
PR = "r0"
BP = "${PN}-${PV}"
PF = "${PN}-${PV}-${PR}"
WORKDIR = "${TMPDIR}/work/${PF}"
T = "${WORKDIR}/temp"
STAMP = "${TMPDIR}/stamps/${PF}"
UNPACKDIR = "${WORKDIR}/sources"
S = "${UNPACKDIR}/${BP}"
B = "${S}"
DL_DIR = "${TOPDIR}/downloads"
FILE_DIRNAME = "${@os.path.dirname(d.getVar('FILE', False))}"
FILESOVERRIDES = "qemuarm:tsbake"
FILESEXTRAPATHS ?= ""
FILESPATH = "${FILESEXTRAPATHS}${FILE_DIRNAME}/${BP}:${FILE_DIRNAME}/files/qemuarm:${FILE_DIRNAME}/files/tsbake:${FILE_DIRNAME}/files"
BB_GIT_DEFAULT_DESTSUFFIX = "${BP}"
SRCREV ??= "INVALID"
SRC_URI ??= ""
BB_DEFAULT_TASK = "build"
BB_SIGNATURE_HANDLER ?= "basichash"
BB_BASEHASH_IGNORE_VARS = "TMPDIR TOPDIR FILE BB_CURRENTTASK BBPATH BBFILES PATH DL_DIR"
BB_NUMBER_THREADS = "2"
export PATH
export HOME
include conf/local.conf
"""

BASE_CLASS = """python fetcher_hashes_dummyfunc() {
    return
}
fetcher_hashes_dummyfunc[vardepvalue] = "${@bb.fetch.get_hashvalue(d)}"
python do_fetch() {
    bb.fetch2.Fetch((d.getVar('SRC_URI') or '').split(), d).download()
}
do_fetch[dirs] = "${DL_DIR}"
do_fetch[network] = "1"
do_fetch[prefuncs] += "fetcher_hashes_dummyfunc"
do_fetch[vardeps] += "SRCREV"
do_fetch[file-checksums] = "${@bb.fetch.get_checksum_file_list(d)}"
addtask fetch
python do_unpack() {
    bb.fetch2.Fetch((d.getVar('SRC_URI') or '').split(), d).unpack(d.getVar('UNPACKDIR'))
}
do_unpack[dirs] = "${UNPACKDIR}"
do_unpack[cleandirs] = "${UNPACKDIR}"
addtask unpack after do_fetch
do_build[noexec] = "1"
addtask build after do_unpack
"""

LAYER_FILES = {
    "conf/bblayers.conf": 'BBPATH = "${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "${TOPDIR}"\n',
    "conf/layer.conf": ('BBPATH .= ":${LAYERDIR}"\nBBFILES += "${LAYERDIR}/recipes/*.bb ${LAYERDIR}/recipes/*.bbappend"\n'
                        'BBFILE_COLLECTIONS += "fc"\nBBFILE_PATTERN_fc = "^${LAYERDIR}/"\nBBFILE_PRIORITY_fc = "5"\n'
                        'LAYERSERIES_CORENAMES = "fc"\nLAYERSERIES_COMPAT_fc = "fc"\n'),
    "conf/bitbake.conf": BITBAKE_CONF,
    "classes/base.bbclass": BASE_CLASS,
}

# Fixed identity and dates: the same commits wherever a repository is made (the test makes them again).
GIT_ENV = {"GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "T",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_AUTHOR_DATE": "2020-01-01T00:00:00Z",
           "GIT_COMMITTER_DATE": "2020-01-01T00:00:00Z"}

# ---- upstream content ---------------------------------------------------------------------


def tar(members, compression=""):
    """A tarball of {path: text} (a path ending in / is a directory), fixed owner and time."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        for path, text in members.items():
            info = tarfile.TarInfo(path.rstrip("/"))
            info.mtime = 1577836800
            info.uname = info.gname = "root"
            if path.endswith("/"):
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                t.addfile(info)
            else:
                data = text.encode()
                info.size = len(data)
                info.mode = 0o755 if path.endswith(".sh") else 0o644
                t.addfile(info, io.BytesIO(data))
    return compress(buf.getvalue(), compression)


def tar_links():
    """A tarball with a directory, a file, a relative symlink to it and a hard link to it."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        d = tarfile.TarInfo("links-1.0")
        d.type, d.mode, d.mtime = tarfile.DIRTYPE, 0o755, 1577836800
        t.addfile(d)
        f = tarfile.TarInfo("links-1.0/real.txt")
        f.size, f.mode, f.mtime = 5, 0o644, 1577836800
        t.addfile(f, io.BytesIO(b"real\n"))
        for name, kind in (("links-1.0/soft.txt", tarfile.SYMTYPE), ("links-1.0/hard.txt", tarfile.LNKTYPE)):
            link = tarfile.TarInfo(name)
            link.type, link.mtime = kind, 1577836800
            link.linkname = "real.txt" if kind == tarfile.SYMTYPE else "links-1.0/real.txt"
            t.addfile(link)
    return gzip.compress(buf.getvalue(), mtime=0)


def tar_members(entries, fmt=tarfile.GNU_FORMAT, pax=None):
    """A .tar.gz of [(name, kind, mode, text or link target)], kind f(ile), d(irectory), l (symlink) or h (hard link);
    pax: a global header."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt, pax_headers=pax or {}) as t:
        for name, kind, mode, data in entries:
            info = tarfile.TarInfo(name)
            info.mtime, info.mode, info.uname, info.gname = 1577836800, mode, "root", "root"
            if kind == "f":
                info.size = len(data.encode())
                t.addfile(info, io.BytesIO(data.encode()))
                continue
            info.type = {"d": tarfile.DIRTYPE, "l": tarfile.SYMTYPE, "h": tarfile.LNKTYPE}[kind]
            info.linkname = data
            t.addfile(info)
    return gzip.compress(buf.getvalue(), mtime=0)


def compress(data, compression):
    if compression == "gz":
        return gzip.compress(data, mtime=0)
    if compression == "bz2":
        return bz2.compress(data)
    if compression == "xz":
        return lzma.compress(data)
    if compression == "zst":
        return subprocess.run(["zstd", "-q", "-c"], input=data, capture_output=True, check=True).stdout
    return data


def zipped(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for path, text in members.items():
            z.writestr(zipfile.ZipInfo(path, (2020, 1, 1, 0, 0, 0)), text)
    return buf.getvalue()


def lzw(data):
    """compress(1)'s .Z of short data: 9-bit literal codes only (no code grows wider), LSB first."""
    assert len(data) < 200
    out, bits, n = bytearray(b"\x1f\x9d\x90"), 0, 0
    for byte in data:
        bits, n = bits | byte << n, n + 9
        while n >= 8:
            out.append(bits & 0xff)
            bits, n = bits >> 8, n - 8
    if n:
        out.append(bits & 0xff)
    return bytes(out)


def ar(members):
    """An ar archive (a .deb or .ipk) of [(name, bytes)]."""
    out = b"!<arch>\n"
    for name, data in members:
        out += ("%-16s%-12d%-6d%-6d%-8s%-10d`\n" % (name, 1577836800, 0, 0, "100644", len(data))).encode() + data
        out += b"\n" if len(data) % 2 else b""
    return out


def dos_zip(members):
    """A zip whose members are marked as text (unzip -a converts their line ends)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for path, text in members.items():
            info = zipfile.ZipInfo(path, (2020, 1, 1, 0, 0, 0))
            info.internal_attr = 1
            z.writestr(info, text)
    return buf.getvalue()


APP = {"app-1.0/": "", "app-1.0/hello.txt": "hello\n", "app-1.0/src/main.c": "int main(void) { return 0; }\n",
       "app-1.0/run.sh": "#!/bin/sh\necho run\n"}
TGZ = tar(APP, "gz")

# ---- scenarios ----------------------------------------------------------------------------

CASES = []


def case(name, description, recipes, http=None, upstream=None, files=None, git=None, conf="", runs=None, superuser=False, modes=None):
    """`runs`: [(bitbake args, local.conf text, offline)]; offline stops the HTTP server first. `modes`: {layer path:
    octal mode} for files (or directories) in `files` that are not 0644/0755. `superuser`: what BitBake
    left depends on running as root (GNU tar keeps archived modes for root only); the test skips such a case otherwise."""
    if superuser and os.geteuid() != 0:
        raise SystemExit("%s: generate it as root" % name)
    CASES.append({
        **({"superuser": True} if superuser else {}),
        "name": name,
        "description": description,
        "recipes": recipes,
        "http": {k: v for k, v in (http or {}).items()},
        "upstream": upstream or {},
        "files": files or {},
        **({"modes": {rel: "%o" % m for rel, m in modes.items()}} if modes else {}),
        "git": git or {},
        "runs": runs or [(["-c", "unpack"] + sorted(pn_of(r) for r in recipes), conf, False)],
    })


def pn_of(recipe):
    return recipe.split("_")[0]


def sha(data):
    return hashlib.sha256(data).hexdigest()


def app_tgz(name, description, params="", **kw):
    """A case whose recipe fetches TGZ over HTTP as app-1.0.tar.gz (plus `params`), with its checksum."""
    case(name, description, {"app_1.0": 'SRC_URI = "@HTTP@/app-1.0.tar.gz%s"\nSRC_URI[sha256sum] = "%s"\n' % (params, sha(TGZ))},
         http={"app-1.0.tar.gz": TGZ}, **kw)


def commits(*trees):
    """A repository's history: each tree is {path: text} committed in turn on main."""
    return [{"files": t, "message": "commit %d" % i} for i, t in enumerate(trees)]


app_tgz("http-tarball", "a .tar.gz over HTTP: DL_DIR gets it and its .done stamp, UNPACKDIR its content")

case("http-downloadfilename", "downloadfilename= names the file in DL_DIR and decides how it unpacks",
     {"app_1.0": 'SRC_URI = "@HTTP@/get?id=1;downloadfilename=app-1.0.tgz"\nSRC_URI[sha256sum] = "%s"\n' % sha(TGZ)},
     http={"get": TGZ})

app_tgz("http-unpack0", "unpack=0 copies the tarball into UNPACKDIR as it is", params=";unpack=0")

app_tgz("http-subdir", "subdir= extracts below a directory of UNPACKDIR", params=";subdir=third/party")

app_tgz("http-striplevel", "striplevel=1 drops the tarball's top directory", params=";striplevel=1;subdir=${BP}")

TBZ = tar({"data/": "", "data/a.txt": "a\n"}, "bz2")
TXZ = tar({"more/b.txt": "b\n"}, "xz")
TAR = tar({"plain/c.txt": "c\n"})
case("http-names", "several entries with name= and SRC_URI[name.sha256sum]: .tar.bz2, .tar.xz, plain .tar",
     {"app_1.0": ('SRC_URI = "@HTTP@/app-1.0.tar.gz;name=main @HTTP@/data.tar.bz2;name=data @HTTP@/more.tar.xz;name=more @HTTP@/plain.tar;name=plain"\n'
                  'SRC_URI[main.sha256sum] = "%s"\nSRC_URI[data.sha256sum] = "%s"\nSRC_URI[more.sha256sum] = "%s"\nSRC_URI[plain.sha256sum] = "%s"\n')
      % (sha(TGZ), sha(TBZ), sha(TXZ), sha(TAR))},
     http={"app-1.0.tar.gz": TGZ, "data.tar.bz2": TBZ, "more.tar.xz": TXZ, "plain.tar": TAR})

GZ, BZ, XZ = gzip.compress(b"gz\n", mtime=0), bz2.compress(b"bz2\n"), lzma.compress(b"xz\n")
case("http-compressed-single", "single .gz/.bz2/.xz files are decompressed beside where they would land",
     {"app_1.0": ('SRC_URI = "@HTTP@/one.txt.gz @HTTP@/two.txt.bz2;subdir=sub @HTTP@/three.txt.xz"\n'
                  'SRC_URI[sha256sum] = ""\nBB_STRICT_CHECKSUM = "ignore"\n')},
     http={"one.txt.gz": GZ, "two.txt.bz2": BZ, "three.txt.xz": XZ})

ZIP = zipped({"app-1.0/hello.txt": "zip\n", "app-1.0/dir/x.txt": "x\n"})
case("http-zip", "a .zip over HTTP unpacks with its directories",
     {"app_1.0": 'SRC_URI = "@HTTP@/app-1.0.zip"\nSRC_URI[sha256sum] = "%s"\n' % sha(ZIP)},
     http={"app-1.0.zip": ZIP})

case("http-plain-file", "a file that is not an archive is copied; the URL's query is not in its name",
     {"app_1.0": 'SRC_URI = "@HTTP@/tools/run.sh;subdir=bin"\nSRC_URI[sha256sum] = "%s"\n' % sha(b"#!/bin/sh\n")},
     http={"tools/run.sh": b"#!/bin/sh\n"})

case("http-missing-checksum", "no checksum and no BB_STRICT_CHECKSUM: BitBake warns and goes on",
     {"app_1.0": 'SRC_URI = "@HTTP@/app-1.0.tar.gz"\n'}, http={"app-1.0.tar.gz": TGZ})

case("http-strict-checksum", "BB_STRICT_CHECKSUM = \"1\" and no checksum: do_fetch fails",
     {"app_1.0": 'SRC_URI = "@HTTP@/app-1.0.tar.gz"\nBB_STRICT_CHECKSUM = "1"\n'}, http={"app-1.0.tar.gz": TGZ})

case("http-bad-checksum", "a checksum that does not match fails do_fetch and leaves nothing in DL_DIR",
     {"app_1.0": 'SRC_URI = "@HTTP@/app-1.0.tar.gz"\nSRC_URI[sha256sum] = "%s"\n' % ("0" * 64)},
     http={"app-1.0.tar.gz": TGZ})

case("http-404", "an upstream 404 with no mirror fails do_fetch",
     {"app_1.0": 'SRC_URI = "@HTTP@/gone-1.0.tar.gz"\nSRC_URI[sha256sum] = "%s"\n' % sha(TGZ)})

app_tgz("no-network", "BB_NO_NETWORK and a download not in DL_DIR: do_fetch fails with NetworkAccess", conf='BB_NO_NETWORK = "1"\n')

app_tgz("no-network-after-fetch", "fetched once, then BB_NO_NETWORK with the server gone: unpack works from DL_DIR",
        runs=[(["-c", "fetch", "app"], "", False), (["-f", "-c", "fetch", "app"], 'BB_NO_NETWORK = "1"\n', True),
              (["-c", "unpack", "app"], 'BB_NO_NETWORK = "1"\n', True)])

case("premirror-file", "a file:// PREMIRROR serves the download before upstream (which is down)",
     {"app_1.0": 'SRC_URI = "http://unreachable.invalid/releases/app-1.0.tar.gz"\nSRC_URI[sha256sum] = "%s"\n' % sha(TGZ)},
     upstream={"mirror/app-1.0.tar.gz": TGZ},
     conf='PREMIRRORS = "https?://.*/.* file://@UPSTREAM@/mirror/"\n')

case("mirror-http", "upstream 404, then MIRRORS rewrites the URL to the HTTP mirror",
     {"app_1.0": 'SRC_URI = "@HTTP@/releases/app-1.0.tar.gz"\nSRC_URI[sha256sum] = "%s"\n' % sha(TGZ)},
     http={"mirror/app-1.0.tar.gz": TGZ},
     conf='MIRRORS = "https?://.*/.* @HTTP@/mirror/"\n')

case("premirror-no-network", "BB_NO_NETWORK with a file:// PREMIRROR: the mirror is local, so it is used",
     {"app_1.0": 'SRC_URI = "http://unreachable.invalid/app-1.0.tar.gz"\nSRC_URI[sha256sum] = "%s"\n' % sha(TGZ)},
     upstream={"mirror/app-1.0.tar.gz": TGZ},
     conf='BB_NO_NETWORK = "1"\nPREMIRRORS = "http://.*/.* file://@UPSTREAM@/mirror/"\n')

PATCH = "--- a/hello.txt\n+++ b/hello.txt\n@@ -1 +1 @@\n-hello\n+patched\n"
case("file-local", "file:// entries: a plain file, a file in a subdirectory, a directory, subdir=, patches (apply=no too)",
     {"app_1.0": ('SRC_URI = "file://defaults.conf file://conf.d/extra.conf file://tree file://notes.txt;subdir=docs '
                  'file://fix.patch file://keep.patch;apply=no"\n')},
     files={"recipes/files/defaults.conf": "a=1\n", "recipes/files/conf.d/extra.conf": "b=2\n",
            "recipes/files/tree/one.txt": "1\n", "recipes/files/tree/deeper/two.txt": "2\n",
            "recipes/files/notes.txt": "notes\n", "recipes/files/fix.patch": PATCH, "recipes/files/keep.patch": PATCH})

case("file-compressed", "file:// compressed single files are decompressed, file:// tarballs extracted, .zip too",
     {"app_1.0": 'SRC_URI = "file://one.txt.gz file://data.tar.bz2 file://sub/more.tar.xz file://app.zip;subdir=z file://keep.gz;unpack=0"\n'},
     files={"recipes/files/one.txt.gz": GZ, "recipes/files/data.tar.bz2": TBZ, "recipes/files/sub/more.tar.xz": TXZ,
            "recipes/files/app.zip": ZIP, "recipes/files/keep.gz": GZ})

case("file-filespath", "file:// found along FILESPATH: ${BP}/ beats the FILESOVERRIDES dirs, which beat files/",
     {"app_1.0": 'SRC_URI = "file://a.txt file://b.txt file://c.txt"\n'},
     files={"recipes/app-1.0/a.txt": "bp\n", "recipes/files/a.txt": "files\n",
            "recipes/files/qemuarm/b.txt": "qemuarm\n", "recipes/files/tsbake/b.txt": "tsbake\n", "recipes/files/b.txt": "files\n",
            "recipes/files/tsbake/c.txt": "tsbake\n", "recipes/files/c.txt": "files\n"})

case("file-extrapaths", "FILESEXTRAPATHS:prepend in a bbappend puts its directory first",
     {"app_1.0": 'SRC_URI = "file://a.txt"\n'},
     files={"recipes/app_1.0.bbappend": 'FILESEXTRAPATHS:prepend := "${THISDIR}/extra:"\n',
            "recipes/extra/a.txt": "extra\n", "recipes/files/a.txt": "files\n"})

case("file-missing", "a file:// entry found nowhere fails",
     {"app_1.0": 'SRC_URI = "file://nowhere.txt"\n'})

LIB = commits({"lib.txt": "one\n", "src/x.c": "x\n"}, {"lib.txt": "two\n", "src/x.c": "x\n"})
case("git-default", "git:// (file protocol): a bare clone in git2/<path>, checked out at SRCREV into ${BP}",
     {"lib_1.0": 'SRC_URI = "git://@UPSTREAM@/git/lib.git;protocol=file;branch=main"\nSRCREV = "@REV:lib.git:0@"\n'},
     git={"lib.git": LIB})

case("git-destsuffix", "destsuffix= and subdir= for git, two repositories with name= and SRCREV_<name>",
     {"lib_1.0": ('SRC_URI = "git://@UPSTREAM@/git/lib.git;protocol=file;branch=main;name=lib;destsuffix=mylib '
                  'git://@UPSTREAM@/git/other.git;protocol=file;branch=main;name=other;subdir=nested"\n'
                  'SRCREV_lib = "@REV:lib.git:1@"\nSRCREV_other = "@REV:other.git:0@"\nSRCREV_FORMAT = "lib_other"\n')},
     git={"lib.git": LIB, "other.git": commits({"other.txt": "other\n"})})

case("git-mirror-tarball", "BB_GENERATE_MIRROR_TARBALLS = \"1\" keeps git2_<name>.tar.gz beside the clone",
     {"lib_1.0": 'SRC_URI = "git://@UPSTREAM@/git/lib.git;protocol=file;branch=main"\nSRCREV = "@REV:lib.git:0@"\n'},
     git={"lib.git": LIB}, conf='BB_GENERATE_MIRROR_TARBALLS = "1"\n')

case("git-premirror-tarball", "a git mirror tarball on a file:// PREMIRROR makes the clone, BB_NO_NETWORK on",
     {"lib_1.0": 'SRC_URI = "git://example.invalid/lib.git;protocol=https;branch=main"\nSRCREV = "@REV:lib.git:0@"\n'},
     git={"lib.git": LIB},
     runs=[(["-c", "unpack", "lib"], 'BB_NO_NETWORK = "1"\nPREMIRRORS = "git://.*/.* file://@UPSTREAM@/git2mirror/"\n', False)],
     upstream={"git2mirror/": "@MIRRORTARBALL:lib.git:example.invalid.lib.git@"})

case("git-no-branch", "a git:// URL without branch= (or nobranch=1) is an error",
     {"lib_1.0": 'SRC_URI = "git://@UPSTREAM@/git/lib.git;protocol=file"\nSRCREV = "@REV:lib.git:0@"\n'},
     git={"lib.git": LIB})

case("git-bad-rev", "a SRCREV that is not on the branch fails do_fetch",
     {"lib_1.0": 'SRC_URI = "git://@UPSTREAM@/git/lib.git;protocol=file;branch=main"\nSRCREV = "%s"\n' % ("1" * 40)},
     git={"lib.git": LIB})

case("file-absolute", "an absolute file:// path keeps its directories below UNPACKDIR, as BitBake's cp does",
     {"app_1.0": 'SRC_URI = "file://@UPSTREAM@/local/abs.txt file://@UPSTREAM@/local/dir;subdir=s"\n'},
     upstream={"local/abs.txt": "abs\n", "local/dir/in.txt": "in\n"})

case("git-premirror-http-tarball", "a git mirror tarball from an HTTP PREMIRROR lands in DL_DIR with a .done stamp",
     {"lib_1.0": 'SRC_URI = "git://example.invalid/lib.git;protocol=https;branch=main"\nSRCREV = "@REV:lib.git:0@"\n'},
     git={"lib.git": LIB}, conf='PREMIRRORS = "git://.*/.* @HTTP@/git2mirror/"\n',
     http={"git2mirror/": "@MIRRORTARBALL:lib.git:example.invalid.lib.git@"})

case("dl-dir-without-stamp", "a download already in DL_DIR without its .done stamp is checked and stamped, not fetched",
     {"app_1.0": 'SRC_URI = "http://unreachable.invalid/app-1.0.tar.gz"\nSRC_URI[sha256sum] = "%s"\n' % sha(TGZ)},
     files={"downloads/app-1.0.tar.gz": TGZ}, conf='BB_NO_NETWORK = "1"\n')

case("url-checksum-param", "sha256sum= as a URL parameter, and unpack=0 on a single .gz over HTTP",
     {"app_1.0": 'SRC_URI = "@HTTP@/app-1.0.tar.gz;sha256sum=%s @HTTP@/one.txt.gz;unpack=0;name=one"\nSRC_URI[one.sha256sum] = "%s"\n' % (sha(TGZ), sha(GZ))},
     http={"app-1.0.tar.gz": TGZ, "one.txt.gz": GZ})

case("premirror-only", "BB_FETCH_PREMIRRORONLY: the HTTP premirror is used, upstream (unreachable) never asked",
     {"app_1.0": 'SRC_URI = "http://unreachable.invalid/app-1.0.tar.gz"\nSRC_URI[sha256sum] = "%s"\n' % sha(TGZ)},
     http={"pre/app-1.0.tar.gz": TGZ}, conf='BB_FETCH_PREMIRRORONLY = "1"\nPREMIRRORS = "http://.*/.* @HTTP@/pre/"\n')

app_tgz("allowed-networks", "BB_ALLOWED_NETWORKS without the host: do_fetch fails", conf='BB_ALLOWED_NETWORKS = "*.example.com"\n')

TZST, ZST = tar({"zst/d.txt": "d\n"}, "zst"), compress(b"zst\n", "zst")
case("file-formats", "file:// .tbz2, .txz, .tgz, .tar.zst, a single .zst, .jar and a compressed patch",
     {"app_1.0": 'SRC_URI = "file://a.tbz2 file://b.txz file://c.tgz file://d.tar.zst file://e.txt.zst file://f.jar file://fix.patch.gz"\n'},
     files={"recipes/files/a.tbz2": TBZ, "recipes/files/b.txz": TXZ, "recipes/files/c.tgz": TGZ, "recipes/files/d.tar.zst": TZST,
            "recipes/files/e.txt.zst": ZST, "recipes/files/f.jar": ZIP, "recipes/files/fix.patch.gz": gzip.compress(PATCH.encode(), mtime=0)})

case("zip-striplevel", "striplevel= is for tarballs: a .zip unpacks whole",
     {"app_1.0": 'SRC_URI = "file://app.zip;striplevel=1"\n'}, files={"recipes/files/app.zip": ZIP})

case("subdir-absolute", "subdir= may be an absolute path inside UNPACKDIR",
     {"app_1.0": 'SRC_URI = "file://a.txt;subdir=${UNPACKDIR}/abs/dir"\n'}, files={"recipes/files/a.txt": "a\n"})

case("subdir-outside", "an absolute subdir= outside UNPACKDIR fails do_unpack",
     {"app_1.0": 'SRC_URI = "file://a.txt;subdir=${WORKDIR}/elsewhere"\n'}, files={"recipes/files/a.txt": "a\n"})

case("file-dir-subdir", "a file:// directory with subdir=, and one written with a trailing slash",
     {"app_1.0": 'SRC_URI = "file://tree;subdir=x file://other/"\n'},
     files={"recipes/files/tree/one.txt": "1\n", "recipes/files/tree/deeper/two.txt": "2\n", "recipes/files/other/o.txt": "o\n"})

case("http-query", "a URL with a query and no downloadfilename=",
     {"app_1.0": 'SRC_URI = "@HTTP@/dl/app-1.0.tar.gz?raw=true"\nSRC_URI[sha256sum] = "%s"\n' % sha(TGZ)},
     http={"dl/app-1.0.tar.gz": TGZ})

app_tgz("downloadfilename-subdir", "downloadfilename= with a directory puts the download in a subdirectory of DL_DIR", params=";downloadfilename=app/app-1.0.tar.gz")

case("http-names-one-missing", "two named entries, one without its checksum: a warning, both fetched",
     {"app_1.0": 'SRC_URI = "@HTTP@/app-1.0.tar.gz;name=main @HTTP@/data.tar.bz2;name=data"\nSRC_URI[main.sha256sum] = "%s"\n' % sha(TGZ)},
     http={"app-1.0.tar.gz": TGZ, "data.tar.bz2": TBZ})

case("bad-checksum-refetch", "a checksum changed after the fetch: the old download is renamed _bad-checksum_ and the new one comes from a file:// premirror",
     {"app_1.0": 'SRC_URI = "@HTTP@/app-1.0.tar.gz"\nSRC_URI[sha256sum] = "${APP_SUM}"\n'},
     http={"app-1.0.tar.gz": TGZ}, upstream={"mirror/app-1.0.tar.gz": TBZ},
     runs=[(["-c", "fetch", "app"], 'APP_SUM = "%s"\n' % sha(TGZ), False),
           (["-c", "unpack", "app"], 'APP_SUM = "%s"\nPREMIRRORS = "http://.*/.* file://@UPSTREAM@/mirror/"\n' % sha(TBZ), True)])

app_tgz("stamp-without-file", "a .done stamp whose download is gone: fetched again", files={"downloads/app-1.0.tar.gz.done": ""})

case("two-recipes-one-file", "two recipes fetching the same file share one download",
     {"app_1.0": 'SRC_URI = "@HTTP@/app-1.0.tar.gz"\nSRC_URI[sha256sum] = "%s"\n' % sha(TGZ),
      "other_1.0": 'SRC_URI = "@HTTP@/app-1.0.tar.gz;subdir=o"\nSRC_URI[sha256sum] = "%s"\n' % sha(TGZ)},
     http={"app-1.0.tar.gz": TGZ})

case("premirror-http-no-network", "BB_NO_NETWORK with only an HTTP premirror: NetworkAccess",
     {"app_1.0": 'SRC_URI = "http://unreachable.invalid/app-1.0.tar.gz"\nSRC_URI[sha256sum] = "%s"\n' % sha(TGZ)},
     http={"pre/app-1.0.tar.gz": TGZ}, conf='BB_NO_NETWORK = "1"\nPREMIRRORS = "http://.*/.* @HTTP@/pre/"\n')

app_tgz("mirror-bad-then-upstream", "a file:// premirror with a corrupt copy is passed over for upstream", upstream={"mirror/app-1.0.tar.gz": TBZ},
        conf='PREMIRRORS = "http://.*/.* file://@UPSTREAM@/mirror/"\n')

case("git-nobranch", "nobranch=1 instead of branch=: SRCREV is checked out whatever branch has it",
     {"lib_1.0": 'SRC_URI = "git://@UPSTREAM@/git/lib.git;protocol=file;nobranch=1"\nSRCREV = "@REV:lib.git:0@"\n'},
     git={"lib.git": LIB})

case("git-subpath", "subpath= checks out one directory of the repository",
     {"lib_1.0": 'SRC_URI = "git://@UPSTREAM@/git/lib.git;protocol=file;branch=main;subpath=src"\nSRCREV = "@REV:lib.git:1@"\n'},
     git={"lib.git": LIB})

case("git-bareclone", "bareclone=1 unpacks a bare clone into destsuffix",
     {"lib_1.0": 'SRC_URI = "git://@UPSTREAM@/git/lib.git;protocol=file;branch=main;bareclone=1;destsuffix=lib.git"\nSRCREV = "@REV:lib.git:1@"\n'},
     git={"lib.git": LIB})

case("git-same-repo-twice", "one repository twice (name=, destsuffix=): one clone in git2/",
     {"lib_1.0": ('SRC_URI = "git://@UPSTREAM@/git/lib.git;protocol=file;branch=main;name=a;destsuffix=a '
                  'git://@UPSTREAM@/git/lib.git;protocol=file;branch=main;name=b;destsuffix=b"\n'
                  'SRCREV_a = "@REV:lib.git:0@"\nSRCREV_b = "@REV:lib.git:1@"\nSRCREV_FORMAT = "a_b"\n')},
     git={"lib.git": LIB})

case("git-mirror-tarball-update", "BB_GENERATE_MIRROR_TARBALLS, then a newer SRCREV: the clone is updated and its tarball made again",
     {"lib_1.0": 'SRC_URI = "git://@UPSTREAM@/git/lib.git;protocol=file;branch=main"\nSRCREV = "${LIBREV}"\n'},
     git={"lib.git": LIB},
     runs=[(["-c", "unpack", "lib"], 'BB_GENERATE_MIRROR_TARBALLS = "1"\nLIBREV = "@REV:lib.git:0@"\n', False),
           (["-c", "unpack", "lib"], 'BB_GENERATE_MIRROR_TARBALLS = "1"\nLIBREV = "@REV:lib.git:1@"\n', False)])

case("unpack-words", "unpack= takes BitBake's booleans: false and No copy, TRUE and an empty value unpack",
     {"app_1.0": 'SRC_URI = "file://a.tgz;unpack=false;subdir=a file://b.tgz;unpack=No;subdir=b file://c.tgz;unpack=TRUE;subdir=c file://d.tgz;unpack=;subdir=d"\n'},
     files={"recipes/files/%s.tgz" % n: TGZ for n in "abcd"})

case("unpack-invalid", "an unpack= value that is not a boolean fails do_unpack",
     {"app_1.0": 'SRC_URI = "file://a.tgz;unpack=maybe"\n'}, files={"recipes/files/a.tgz": TGZ})

case("file-glob", "a file:// glob is an error (BitBake 2.x dropped them)",
     {"app_1.0": 'SRC_URI = "file://*.txt"\n'}, files={"recipes/files/a.txt": "a\n"})

case("named-entry-unnamed-checksum", "name= looks only at SRC_URI[<name>.sha256sum]: a plain [sha256sum] is not its checksum (a warning)",
     {"app_1.0": 'SRC_URI = "@HTTP@/app-1.0.tar.gz;name=main"\nSRC_URI[sha256sum] = "%s"\n' % ("0" * 64)},
     http={"app-1.0.tar.gz": TGZ})

DEEP = tar({"top/": "", "top/mid/": "", "top/mid/a.txt": "a\n", "top/b.txt": "b\n"}, "gz")
case("striplevel-2", "striplevel=2 drops two components; members with fewer are skipped",
     {"app_1.0": 'SRC_URI = "file://deep.tar.gz;striplevel=2"\n'}, files={"recipes/files/deep.tar.gz": DEEP})

case("git-tag", "tag= with SRCREV: the tag must name that commit",
     {"lib_1.0": 'SRC_URI = "git://@UPSTREAM@/git/lib.git;protocol=file;branch=main;tag=v1"\nSRCREV = "@REV:lib.git:0@"\n'},
     git={"lib.git": [dict(LIB[0], tag="v1"), LIB[1]]})

case("git-premirror-repo", "a git:// PREMIRROR that rewrites to another repository: the clone keeps the original's name",
     {"lib_1.0": 'SRC_URI = "git://example.invalid/pub/lib.git;protocol=https;branch=main"\nSRCREV = "@REV:lib.git:1@"\n'},
     git={"lib.git": LIB}, conf='PREMIRRORS = "git://example.invalid/.* git://@UPSTREAM@/git/BASENAME;protocol=file"\n')

case("git-mirror-after-upstream", "upstream git gone, a file:// MIRROR with the mirror tarball; BB_GENERATE_MIRROR_TARBALLS too",
     {"lib_1.0": 'SRC_URI = "git://@UPSTREAM@/git/missing.git;protocol=file;branch=main"\nSRCREV = "@REV:lib.git:0@"\n'},
     git={"lib.git": LIB}, conf='BB_GENERATE_MIRROR_TARBALLS = "1"\nMIRRORS = "git://.*/.* file://@UPSTREAM@/git2mirror/"\n',
     upstream={"git2mirror/": "@MIRRORTARBALL:lib.git:@UPSTREAMDOTS@.git.missing.git@"})

# top.git with submodule libs/sub (sub.git), which has submodule deep (deep.git); relative URLs.
SUPERPROJECT = {"deep.git": commits({"deep.txt": "deep\n"}),
                "sub.git": [{"files": {"sub.txt": "sub\n"}, "message": "sub", "submodules": {"deep": "../deep.git"}}],
                "top.git": [{"files": {"top.txt": "top\n"}, "message": "top", "submodules": {"libs/sub": "../sub.git"}}]}
SUPERPROJECT_RECIPE = {"app_1.0": 'SRC_URI = "gitsm://@UPSTREAM@/git/top.git;protocol=file;branch=main"\nSRCREV = "@REV:top.git:0@"\n'}
case("gitsm", "gitsm:// with a nested submodule (relative URLs): a clone and a mirror tarball each, checked out in place",
     SUPERPROJECT_RECIPE, git=SUPERPROJECT, conf='BB_GENERATE_MIRROR_TARBALLS = "1"\n')

case("premirror-downloadfilename", "a file:// PREMIRROR is asked for the downloadfilename= name, and DL_DIR links to it under that name",
     {"app_1.0": 'SRC_URI = "http://unreachable.invalid/get?id=7;downloadfilename=app-1.0.tar.gz"\nSRC_URI[sha256sum] = "%s"\n' % sha(TGZ)},
     upstream={"mirror/app-1.0.tar.gz": TGZ}, conf='PREMIRRORS = "http://.*/.* file://@UPSTREAM@/mirror/"\n')

case("mirror-http-downloadfilename", "an HTTP MIRROR for a downloadfilename= entry: the mirror URL ends in that name",
     {"app_1.0": 'SRC_URI = "@HTTP@/get/7;downloadfilename=app-1.0.tgz"\nSRC_URI[sha256sum] = "%s"\n' % sha(TGZ)},
     http={"mirror/app-1.0.tgz": TGZ}, conf='MIRRORS = "http://.*/.* @HTTP@/mirror/"\n')

DEB = ar([("debian-binary", b"2.0\n"), ("control.tar.gz", tar({"./control": "Package: x\n"}, "gz")),
           ("data.tar.xz", tar({"./usr/": "", "./usr/bin/": "", "./usr/bin/tool.sh": "#!/bin/sh\n"}, "xz"))])
IPK = ar([("debian-binary", b"2.0\n"), ("data.tar.gz", tar({"./etc/x.conf": "x\n"}, "gz")), ("control.tar.gz", tar({"./control": "Package: y\n"}, "gz"))])
case("packages-deb-ipk", "a .deb and an .ipk unpack their data.tar* (striplevel= and subdir= too); unpack=0 keeps the package",
     {"app_1.0": 'SRC_URI = "file://x.deb file://y.ipk;subdir=ipk file://z.deb;striplevel=2;subdir=strip file://k.deb;unpack=0"\n'},
     files={"recipes/files/x.deb": DEB, "recipes/files/y.ipk": IPK, "recipes/files/z.deb": DEB, "recipes/files/k.deb": DEB})

case("zip-dos", "dos=1 unzips with -a: text members get Unix line ends",
     {"app_1.0": 'SRC_URI = "file://a.zip;dos=1;subdir=a file://b.zip;subdir=b"\n'},
     files={"recipes/files/a.zip": dos_zip({"t.txt": "one\r\ntwo\r\n"}), "recipes/files/b.zip": dos_zip({"t.txt": "one\r\ntwo\r\n"})})

DOTTED = tar({"./": "", "./app-1.0/": "", "./app-1.0/a.txt": "a\n", "./top.txt": "t\n"}, "gz")
case("striplevel-dot", "striplevel= counts a leading ./ as a component, as GNU tar does",
     {"app_1.0": 'SRC_URI = "file://dotted.tar.gz;striplevel=1"\n'}, files={"recipes/files/dotted.tar.gz": DOTTED})

case("git-premirror-only", "BB_FETCH_PREMIRRORONLY for git: the clone comes from the premirror's tarball, upstream is never asked",
     {"lib_1.0": 'SRC_URI = "git://example.invalid/lib.git;protocol=https;branch=main"\nSRCREV = "@REV:lib.git:1@"\n'},
     git={"lib.git": LIB}, conf='BB_FETCH_PREMIRRORONLY = "1"\nPREMIRRORS = "git://.*/.* file://@UPSTREAM@/git2mirror/"\n',
     upstream={"git2mirror/": "@MIRRORTARBALL:lib.git:example.invalid.lib.git@"})

case("checksum-param-beats-flag", "a ;sha256sum= URL parameter is used before SRC_URI[sha256sum] (here a wrong one)",
     {"app_1.0": 'SRC_URI = "@HTTP@/app-1.0.tar.gz;sha256sum=%s"\nSRC_URI[sha256sum] = "%s"\n' % (sha(TGZ), "0" * 64)},
     http={"app-1.0.tar.gz": TGZ})

case("corrupt-tarball", "a .tar.gz that is not gzip fails do_unpack",
     {"app_1.0": 'SRC_URI = "file://broken.tar.gz"\n'}, files={"recipes/files/broken.tar.gz": "not a tarball\n"})

case("git-no-network", "BB_NO_NETWORK and a remote git repository not in DL_DIR: do_fetch fails with NetworkAccess",
     {"lib_1.0": 'SRC_URI = "git://example.invalid/lib.git;protocol=https;branch=main"\nSRCREV = "%s"\n' % ("2" * 40)},
     conf='BB_NO_NETWORK = "1"\n')

case("file-compress-names", "a .Z is decompressed (gzip -dc, as BitBake); .taz and .tb2 are not names BitBake extracts, so they are copied",
     {"app_1.0": 'SRC_URI = "file://notes.txt.Z file://a.taz file://b.tb2"\n'},
     files={"recipes/files/notes.txt.Z": lzw(b"compressed notes\n"), "recipes/files/a.taz": TGZ, "recipes/files/b.tb2": TBZ})

case("tar-links", "a tarball's symlink and hard link unpack as links",
     {"app_1.0": 'SRC_URI = "file://links-1.0.tar.gz"\n'}, files={"recipes/files/links-1.0.tar.gz": tar_links()})

case("http-patch-and-nocheckout", "a patch over HTTP is copied into UNPACKDIR; git nocheckout=1 leaves a clone with no files",
     {"app_1.0": ('SRC_URI = "@HTTP@/fix.patch;name=p git://@UPSTREAM@/git/lib.git;protocol=file;branch=main;nocheckout=1;destsuffix=lib"\n'
                  'SRC_URI[p.sha256sum] = "%s"\nSRCREV = "@REV:lib.git:0@"\n') % sha(PATCH.encode())},
     http={"fix.patch": PATCH.encode()}, git={"lib.git": LIB})

case("subdir-dotdot", "a relative subdir= that climbs out of UNPACKDIR",
     {"app_1.0": 'SRC_URI = "file://a.txt;subdir=../out"\n'}, files={"recipes/files/a.txt": "a\n"})

case("gitsm-destsuffix", "gitsm:// with destsuffix= and subdir=: the submodules follow the checkout",
     {"app_1.0": 'SRC_URI = "gitsm://@UPSTREAM@/git/top.git;protocol=file;branch=main;destsuffix=src;subdir=nested"\nSRCREV = "@REV:top.git:0@"\n'},
     git={"sub.git": commits({"sub.txt": "sub\n"}),
          "top.git": [{"files": {"top.txt": "top\n"}, "message": "top", "submodules": {"libs/sub": "../sub.git"}}]})

case("http-userinfo", "user:password@ in an HTTP URL is not part of the name in DL_DIR",
     {"app_1.0": 'SRC_URI = "http://user:secret@@HTTPHOSTPORT@/app-1.0.tar.gz"\nSRC_URI[sha256sum] = "%s"\n' % sha(TGZ)},
     http={"app-1.0.tar.gz": TGZ})

case("mirrors-several", "PREMIRRORS with literal \\n separators: the first mirror lacks the file, the second has it",
     {"app_1.0": 'SRC_URI = "http://unreachable.invalid/app-1.0.tar.gz"\nSRC_URI[sha256sum] = "%s"\n' % sha(TGZ)},
     upstream={"second/app-1.0.tar.gz": TGZ},
     conf='PREMIRRORS = "http://.*/.* file://@UPSTREAM@/first/ \\n http://.*/.* file://@UPSTREAM@/second/ \\n"\n')

LIB3 = commits({"lib.txt": "one\n"}, {"lib.txt": "two\n"}, {"lib.txt": "three\n", "new.txt": "new\n"})
case("git-shallow", "BB_GIT_SHALLOW: only gitshallow_<name>_<rev>-1_<branch>.tar.gz (no clone), unpacked as a clone of depth 1",
     {"lib_1.0": 'SRC_URI = "git://@UPSTREAM@/git/lib.git;protocol=file;branch=main"\nSRCREV = "@REV:lib.git:1@"\n'},
     git={"lib.git": LIB3}, conf='BB_GIT_SHALLOW = "1"\n')

case("git-shallow-depth2", "BB_GIT_SHALLOW_DEPTH = \"2\" with BB_GENERATE_SHALLOW_TARBALLS: the tarball name says -2, the clone keeps two commits",
     {"lib_1.0": 'SRC_URI = "git://@UPSTREAM@/git/lib.git;protocol=file;branch=main"\nSRCREV = "@REV:lib.git:2@"\n'},
     git={"lib.git": LIB3}, conf='BB_GIT_SHALLOW = "1"\nBB_GIT_SHALLOW_DEPTH = "2"\nBB_GENERATE_SHALLOW_TARBALLS = "1"\n')

case("git-shallow-depth-names", "BB_GIT_SHALLOW_DEPTH_<name>: depth 2 for one repository, 0 (a full clone) for the other",
     {"lib_1.0": ('SRC_URI = "git://@UPSTREAM@/git/lib.git;protocol=file;branch=main;name=lib;destsuffix=lib '
                  'git://@UPSTREAM@/git/other.git;protocol=file;branch=main;name=other;destsuffix=other"\n'
                  'SRCREV_lib = "@REV:lib.git:2@"\nSRCREV_other = "@REV:other.git:1@"\nSRCREV_FORMAT = "lib_other"\n')},
     git={"lib.git": LIB3, "other.git": LIB},
     conf='BB_GIT_SHALLOW = "1"\nBB_GIT_SHALLOW_DEPTH_lib = "2"\nBB_GIT_SHALLOW_DEPTH_other = "0"\n')

case("git-shallow-premirror-only", "BB_GIT_SHALLOW and BB_FETCH_PREMIRRORONLY: the shallow tarball comes from a file:// PREMIRROR, then unpacks offline",
     {"lib_1.0": 'SRC_URI = "git://example.invalid/lib.git;protocol=https;branch=main"\nSRCREV = "@REV:lib.git:1@"\n'},
     git={"lib.git": LIB3},
     runs=[(["-c", "fetch", "lib"], 'BB_GIT_SHALLOW = "1"\nBB_FETCH_PREMIRRORONLY = "1"\nPREMIRRORS = "git://.*/.* file://@UPSTREAM@/git2mirror/"\n', False),
           (["-c", "unpack", "lib"], 'BB_GIT_SHALLOW = "1"\nBB_NO_NETWORK = "1"\n', True)],
     upstream={"git2mirror/": "@SHALLOWTARBALL:lib.git:example.invalid.lib.git:1:1@"})

case("git-shallow-from-clone", "a full clone first, then BB_GIT_SHALLOW with BB_GENERATE_SHALLOW_TARBALLS: the tarball is made from the clone, which unpacks",
     {"lib_1.0": 'SRC_URI = "git://@UPSTREAM@/git/lib.git;protocol=file;branch=main"\nSRCREV = "@REV:lib.git:1@"\n'},
     git={"lib.git": LIB3},
     runs=[(["-c", "fetch", "lib"], "", False),
           (["-f", "-c", "fetch", "lib"], 'BB_GIT_SHALLOW = "1"\nBB_GENERATE_SHALLOW_TARBALLS = "1"\nBB_GENERATE_MIRROR_TARBALLS = "1"\n', False),
           (["-c", "unpack", "lib"], 'BB_GIT_SHALLOW = "1"\n', False)])

case("git-shallow-premirror-http", "BB_GIT_SHALLOW with an HTTP PREMIRROR: the shallow tarball is downloaded with an empty .done",
     {"lib_1.0": 'SRC_URI = "git://example.invalid/lib.git;protocol=https;branch=main"\nSRCREV = "@REV:lib.git:2@"\n'},
     git={"lib.git": LIB3}, conf='BB_GIT_SHALLOW = "1"\nBB_GIT_SHALLOW_DEPTH = "2"\nPREMIRRORS = "git://.*/.* @HTTP@/git2mirror/"\n',
     http={"git2mirror/": "@SHALLOWTARBALL:lib.git:example.invalid.lib.git:2:2@"})

LIB3TAG = [dict(LIB3[0], tag="v1")] + LIB3[1:]
case("git-shallow-revs", "BB_GIT_SHALLOW_REVS (depth 0) stops the history at a tag; BB_GIT_SHALLOW_EXTRA_REFS adds that tag one commit deep",
     {"lib_1.0": 'SRC_URI = "git://@UPSTREAM@/git/lib.git;protocol=file;branch=main"\nSRCREV = "@REV:lib.git:2@"\n'},
     git={"lib.git": LIB3TAG},
     conf='BB_GIT_SHALLOW = "1"\nBB_GIT_SHALLOW_DEPTH = "0"\nBB_GIT_SHALLOW_REVS = "v1"\nBB_GIT_SHALLOW_EXTRA_REFS = "refs/tags/v1"\n')

case("git-shallow-fallback", "a commit id in BB_GIT_SHALLOW_REVS, which git's --shallow-exclude refuses: the fast path fails and a full clone is made",
     {"lib_1.0": 'SRC_URI = "git://@UPSTREAM@/git/lib.git;protocol=file;branch=main"\nSRCREV = "@REV:lib.git:2@"\n'},
     git={"lib.git": LIB3},
     conf='BB_GIT_SHALLOW = "1"\nBB_GIT_SHALLOW_DEPTH = "0"\nBB_GIT_SHALLOW_REVS = "@REV:lib.git:0@"\n')

case("gitsm-shallow", "gitsm:// with BB_GIT_SHALLOW: a gitsmshallow_ tarball for the superproject and each (nested) submodule, no clones",
     SUPERPROJECT_RECIPE, git=SUPERPROJECT, conf='BB_GIT_SHALLOW = "1"\n')

MODES = tar_members([("m/", "d", 0o777, ""), ("m/rw", "f", 0o666, "rw\n"), ("m/x", "f", 0o777, "x\n"), ("m/p", "f", 0o600, "p\n"),
                     ("m/ro", "f", 0o444, "ro\n"), ("m/priv/", "d", 0o700, ""), ("m/priv/a", "f", 0o644, "a\n"), ("m/rodir/", "d", 0o555, ""),
                     ("m/implicit/deep/f", "f", 0o644, "f\n")])
case("tar-modes", "as root, tar keeps member modes as archived (0666, 0777, 0444), umask or not; parents not in the tarball are made",
     {"app_1.0": 'SRC_URI = "file://modes.tar.gz"\n'}, files={"recipes/files/modes.tar.gz": MODES}, superuser=True)

LONG_TAIL = "d" * 60 + "/" + "e" * 60 + "/file-with-a-long-name.txt"
case("tar-pax-gnu-long", "a pax tarball with a global header (as git archive makes), a long name, a UTF-8 name and a long symlink; a GNU one with long names",
     {"app_1.0": 'SRC_URI = "file://pax.tar.gz file://gnu.tar.gz"\n'},
     files={"recipes/files/pax.tar.gz": tar_members([("p/", "d", 0o755, ""), ("p/" + LONG_TAIL, "f", 0o644, "long\n"), ("p/caf\u00e9.txt", "f", 0o644, "utf\n"),
                                                     ("p/link", "l", 0o777, LONG_TAIL)], tarfile.PAX_FORMAT, {"comment": "0123456789abcdef"}),
            "recipes/files/gnu.tar.gz": tar_members([("q/" + LONG_TAIL, "f", 0o644, "long\n"), ("q/link", "l", 0o777, LONG_TAIL)])})

case("tar-overlap", "a second tarball replaces a file with a directory, but not a directory with content with a file: tar goes on, then do_unpack fails",
     {"app_1.0": 'SRC_URI = "file://a1.tar.gz file://a2.tar.gz"\n'},
     files={"recipes/files/a1.tar.gz": tar_members([("o/", "d", 0o755, ""), ("o/x", "f", 0o644, "file\n"), ("o/d/", "d", 0o755, ""), ("o/d/in", "f", 0o644, "in\n")]),
            "recipes/files/a2.tar.gz": tar_members([("o/x/", "d", 0o755, ""), ("o/x/y", "f", 0o644, "y\n"), ("o/d", "f", 0o644, "now a file\n"), ("o/z", "f", 0o644, "z\n")])})

case("tar-replaced", "a file replaces an empty directory and gets its own mode; a member below a file is skipped, the rest extracted, then do_unpack fails",
     {"app_1.0": 'SRC_URI = "file://r.tar.gz"\n'},
     files={"recipes/files/r.tar.gz": tar_members([("r/other/", "d", 0o700, ""), ("r/other", "f", 0o644, "now a file\n"), ("r/c", "f", 0o644, "c\n"),
                                                   ("r/c/f1", "f", 0o644, "x\n"), ("r/z", "f", 0o644, "z\n")])})

case("striplevel-self-link", "striplevel= turns a hard link into a link to itself: the file stays, as with GNU tar",
     {"app_1.0": 'SRC_URI = "file://l.tar.gz;striplevel=2"\n'},
     files={"recipes/files/l.tar.gz": tar_members([("top/c/f1", "f", 0o644, "f1\n"), ("top/a/f1", "h", 0o644, "top/c/f1"), ("top/a/b/f2", "h", 0o644, "top/c/f1")])})

case("tar-hardlinks-across", "a hard link to a file an earlier tarball left is made; one to a missing file is skipped (its parent made, but not for a "
     "target below a file), the rest extracted, then do_unpack fails",
     {"app_1.0": 'SRC_URI = "file://h1.tar.gz file://h2.tar.gz"\n'},
     files={"recipes/files/h1.tar.gz": tar_members([("top/x", "f", 0o644, "x\n")]),
            "recipes/files/h2.tar.gz": tar_members([("top/sub/h", "h", 0o644, "top/nothere"), ("top/y", "h", 0o644, "top/x"),
                                                    ("top/q/h", "h", 0o644, "top/x/inner"), ("top/z", "f", 0o644, "z\n")])})

case("striplevel-invalid", "striplevel= that is not a number goes to tar's --strip-components as written: do_unpack fails",
     {"app_1.0": 'SRC_URI = "file://a.tgz;striplevel=x"\n'}, files={"recipes/files/a.tgz": TGZ})

case("striplevel-empty", "an empty striplevel= fails do_unpack too",
     {"app_1.0": 'SRC_URI = "file://a.tgz;striplevel="\n'}, files={"recipes/files/a.tgz": TGZ})

case("file-downloadfilename", "downloadfilename= means nothing to file:// entries",
     {"app_1.0": 'SRC_URI = "file://a.txt;downloadfilename=b.txt file://c.tgz;downloadfilename=c.bin"\n'},
     files={"recipes/files/a.txt": "a\n", "recipes/files/c.tgz": TGZ})

case("checksum-md5-only", "only SRC_URI[md5sum] satisfies BB_STRICT_CHECKSUM = \"1\"",
     {"app_1.0": 'SRC_URI = "@HTTP@/app-1.0.tar.gz"\nSRC_URI[md5sum] = "%s"\nBB_STRICT_CHECKSUM = "1"\n' % hashlib.md5(TGZ).hexdigest()},
     http={"app-1.0.tar.gz": TGZ})

case("checksum-sha512-wrong", "a right sha256sum does not excuse a wrong sha512sum",
     {"app_1.0": 'SRC_URI = "@HTTP@/app-1.0.tar.gz"\nSRC_URI[sha256sum] = "%s"\nSRC_URI[sha512sum] = "%s"\n' % (sha(TGZ), "0" * 128)},
     http={"app-1.0.tar.gz": TGZ})

case("checksum-uppercase", "an upper-case sha256sum does not match: BitBake compares the hex as written",
     {"app_1.0": 'SRC_URI = "@HTTP@/app-1.0.tar.gz"\nSRC_URI[sha256sum] = "%s"\n' % sha(TGZ).upper()}, http={"app-1.0.tar.gz": TGZ})

case("name-shared", "two entries with one name= share its checksum: the first is fetched and stamped, the second fails",
     {"app_1.0": 'SRC_URI = "@HTTP@/app-1.0.tar.gz;name=x @HTTP@/data.tar.bz2;name=x"\nSRC_URI[x.sha256sum] = "%s"\n' % sha(TGZ)},
     http={"app-1.0.tar.gz": TGZ, "data.tar.bz2": TBZ})

case("file-same-basename", "x.txt from two directories and once more with subdir=: each keeps its path",
     {"app_1.0": 'SRC_URI = "file://a/x.txt file://b/x.txt file://x.txt;subdir=a"\n'},
     files={"recipes/files/a/x.txt": "ax\n", "recipes/files/b/x.txt": "bx\n", "recipes/files/x.txt": "x\n"})

case("http-same-basename", "two URLs ending in the same file name share one download: the second's checksum fails do_unpack",
     {"app_1.0": ('SRC_URI = "@HTTP@/a/x.tar.gz;name=a;subdir=a @HTTP@/b/x.tar.gz;name=b;subdir=b"\n'
                  'SRC_URI[a.sha256sum] = "%s"\nSRC_URI[b.sha256sum] = "%s"\n') % (sha(TGZ), sha(TBZ))},
     http={"a/x.tar.gz": TGZ, "b/x.tar.gz": TBZ})


def unreachable_tgz(name, description, path, **kw):
    """A case whose recipe fetches TGZ from http://unreachable.invalid/<path> (so only a mirror can serve it), with its checksum."""
    case(name, description, {"app_1.0": 'SRC_URI = "http://unreachable.invalid/%s"\nSRC_URI[sha256sum] = "%s"\n' % (path, sha(TGZ))}, **kw)


unreachable_tgz("premirror-path", "a file:// PREMIRROR with PATH keeps the URL's directories", "releases/v1/app-1.0.tar.gz",
                upstream={"mirror/releases/v1/app-1.0.tar.gz": TGZ}, conf='PREMIRRORS = "http://.*/.* file://@UPSTREAM@/mirror/PATH"\n')

unreachable_tgz("premirror-backref", "a PREMIRRORS pattern with a group that the replacement refers to as \\1", "releases/v1/app-1.0.tar.gz",
                upstream={"mirror/v1/app-1.0.tar.gz": TGZ}, conf='PREMIRRORS = "http://unreachable.invalid/releases/(.*)/.* file://@UPSTREAM@/mirror/\\1/"\n')

unreachable_tgz("http-downloadfilename-premirror-http", "an HTTP PREMIRROR is asked for the base name of a downloadfilename= with a directory",
                "get?x=1;downloadfilename=d/app-1.0.tar.gz", http={"pre/app-1.0.tar.gz": TGZ}, conf='PREMIRRORS = "http://.*/.* @HTTP@/pre/"\n')


def lib_first_commit(name, description, params):
    """A case whose recipe checks out LIB's first commit from git://.../lib.git with `params` added."""
    case(name, description, {"lib_1.0": 'SRC_URI = "git://@UPSTREAM@/git/lib.git;protocol=file;branch=main%s"\nSRCREV = "@REV:lib.git:0@"\n' % params},
         git={"lib.git": LIB})


lib_first_commit("git-destsuffix-absolute", "an absolute destsuffix= inside UNPACKDIR is used as it is", ";destsuffix=${UNPACKDIR}/abs/lib")

lib_first_commit("git-subdir-destsuffix-absolute", "subdir= and an absolute destsuffix=: the checkout goes to destsuffix= and subdir= is never made",
                 ";subdir=${UNPACKDIR}/abs;destsuffix=${UNPACKDIR}/g")

case("git-over-file", "a git checkout empties its destination first: files unpacked there before it are gone, those after it stay",
     {"lib_1.0": ('SRC_URI = "file://before.txt;subdir=src file://app.tgz;subdir=src git://@UPSTREAM@/git/lib.git;protocol=file;branch=main;destsuffix=src '
                  'file://after.txt;subdir=src"\nSRCREV = "@REV:lib.git:0@"\n')},
     files={"recipes/files/before.txt": "b\n", "recipes/files/after.txt": "a\n", "recipes/files/app.tgz": TGZ}, git={"lib.git": LIB})

case("git-twice-same-dest", "a second git checkout inside the first one's directory",
     {"lib_1.0": ('SRC_URI = "git://@UPSTREAM@/git/lib.git;protocol=file;branch=main;name=a;destsuffix=src '
                  'git://@UPSTREAM@/git/other.git;protocol=file;branch=main;name=b;destsuffix=src/sub"\n'
                  'SRCREV_a = "@REV:lib.git:0@"\nSRCREV_b = "@REV:other.git:0@"\nSRCREV_FORMAT = "a_b"\n')},
     git={"lib.git": LIB, "other.git": commits({"other.txt": "o\n"})})

case("file-copy-modes", "file:// entries BitBake copies keep their timestamps but not their modes (the umask's instead)",
     {"app_1.0": 'SRC_URI = "file://run.sh file://shared.txt file://secret.txt file://tree file://keep.tgz;unpack=0"\n'},
     files={"recipes/files/run.sh": "#!/bin/sh\n", "recipes/files/shared.txt": "s\n", "recipes/files/secret.txt": "p\n",
            "recipes/files/tree/t.sh": "t\n", "recipes/files/tree/sub/u.txt": "u\n", "recipes/files/keep.tgz": TGZ},
     modes={"recipes/files/run.sh": 0o775, "recipes/files/shared.txt": 0o666, "recipes/files/secret.txt": 0o600,
            "recipes/files/tree": 0o777, "recipes/files/tree/t.sh": 0o777, "recipes/files/tree/sub": 0o775, "recipes/files/keep.tgz": 0o664})

case("url-escaped-space", "%20 in an http URL and in a file:// one: both name a file with a space",
     {"app_1.0": 'SRC_URI = "@HTTP@/my%%20app-1.0.tar.gz;unpack=0 file://my%%20notes.txt"\nSRC_URI[sha256sum] = "%s"\n' % sha(TGZ)},
     http={"my app-1.0.tar.gz": TGZ}, files={"recipes/files/my notes.txt": "n\n"})

# ---- running BitBake ----------------------------------------------------------------------


def make_git(path, history):
    env = dict(os.environ, **GIT_ENV)
    os.makedirs(path)
    g = ["git", "-c", "init.defaultBranch=main"]
    subprocess.run(g + ["init", "-q"], cwd=path, check=True, env=env)
    revs = []
    for c in history:
        for rel in os.listdir(path):
            if rel != ".git":
                shutil.rmtree(os.path.join(path, rel)) if os.path.isdir(os.path.join(path, rel)) else os.remove(os.path.join(path, rel))
        for rel, text in c["files"].items():
            p = os.path.join(path, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "w") as f:
                f.write(text)
        for sub, url in c.get("submodules", {}).items():
            subprocess.run(g + ["-c", "protocol.file.allow=always", "submodule", "add", "-q", url, sub], cwd=path, check=True, env=env)
        subprocess.run(g + ["add", "-A"], cwd=path, check=True, env=env)
        subprocess.run(g + ["commit", "-qm", c["message"]], cwd=path, check=True, env=env)
        if "tag" in c:
            subprocess.run(g + ["tag", c["tag"]], cwd=path, check=True, env=env)
        revs.append(subprocess.run(["git", "rev-parse", "HEAD"], cwd=path, check=True, env=env, capture_output=True, text=True).stdout.strip())
    return revs


def link_target(target, upstream):
    """A symlink's target with the temporary directories named as in the paths."""
    build = os.path.join(os.path.dirname(upstream), "build")
    return target.replace(upstream, "@UPSTREAM@").replace(build, "@BUILD@").replace(upstream[1:].replace("/", "."), "@UPSTREAM@")


def tree(root, upstream):
    """The relative file tree below root, one line per entry, as the test writes it too."""
    out = []
    if not os.path.isdir(root):
        return out

    def walk(rel):
        for name in sorted(os.listdir(os.path.join(root, rel))):
            r = os.path.join(rel, name) if rel else name
            p = os.path.join(root, r)
            shown = r.replace(os.path.dirname(upstream)[1:], "@ROOT@").replace(upstream[1:].replace("/", "."), "@UPSTREAM@")
            if name.endswith(".lock"):
                continue
            parts = r.split("/")
            if any(os.path.dirname(upstream)[1:].startswith("/".join(parts[i:]) + "/") for i in range(len(parts))):
                walk(r)  # a directory above the temporary root (an absolute file:// path): only its content
                continue
            if os.path.islink(p):
                out.append("%s -> %s" % (shown, link_target(os.readlink(p), upstream)))
            elif os.path.isdir(p):
                if name == ".git" or rel == "git2" or (os.path.isfile(os.path.join(p, "HEAD")) and os.path.isdir(os.path.join(p, "objects"))):
                    out.append(shown + "/ (git)")
                    shallow = os.path.join(p, "shallow")
                    if os.path.isfile(shallow):  # a shallow clone: its boundary commits say its depth
                        with open(shallow, "rb") as f:
                            out.append("%s/shallow %s" % (shown, sha(f.read())[:16]))
                else:
                    out.append(shown + "/")
                    walk(r)
            elif name.startswith(("git2_", "gitshallow_", "gitsmshallow_")) and not name.endswith(".done"):
                out.append(shown)
            else:
                with open(p, "rb") as f:
                    data = f.read()
                out.append("%s %o %d %s" % (shown, os.stat(p).st_mode & 0o777, len(data), sha(data)[:16]))
    walk("")
    return out


# The exception a failed task ended with, or one a parse error or warning names.
EXCEPTION = re.compile(r"^Exception: bb\.fetch2\.(\w+):|\b(\w+Error|NetworkAccess)\('", re.M)


def failure(out):
    """The tasks that failed (pn:do_task, or 'parse') and the fetch2 exception classes named."""
    tasks = sorted(set("%s:%s" % (os.path.basename(m.group(1)).split("_")[0], m.group(2))
                       for m in re.finditer(r"^ERROR: Task \(([^)]+?\.bb):(do_\w+)\) failed", out, re.M)))
    if not tasks:
        tasks = ["parse"]  # failed before any task ran
    classes = sorted(set(a or b for a, b in EXCEPTION.findall(out)) - {"ExpansionError"})
    return {"tasks": tasks, "classes": classes}


def serve(directory):
    handler = functools.partial(QuietHandler, directory=directory)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def materialize(c, tmp):
    """The case's layer, with the upstream placeholders filled, and its upstream directory."""
    upstream = os.path.join(tmp, "upstream")
    layer = os.path.join(tmp, "build")
    os.makedirs(os.path.join(upstream, "http"))
    revs = {name: make_git(os.path.join(upstream, "git", name), history) for name, history in c["git"].items()}
    return layer, upstream, revs


def shallow_tarball(repo, name, rev, depth, upstream, tmp):
    """A gitshallow_ tarball of upstream/git/repo at rev, as BitBake's fast shallow clone packs it (branch main;
    origin stays the local path, which do_unpack points at the recipe's URL)."""
    clone = os.path.join(tmp, "shallow")
    os.makedirs(clone)
    for args in (["init", "-q"], ["remote", "add", "origin", os.path.join(upstream, "git", repo)],
                 ["fetch", "-q", "origin", rev, "--depth", str(depth)], ["update-ref", "refs/remotes/origin/main", rev]):
        subprocess.run(["git"] + args, cwd=clone, check=True, capture_output=True)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        tf.add(clone, arcname=".")
    shutil.rmtree(clone)
    return "gitshallow_%s_%s-%d_main.tar.gz" % (name, rev[:7], depth), buf.getvalue()


def mirror_tarball(rel, data, upstream, tmp, revs=None):
    """(rel, data), or for "@MIRRORTARBALL:repo:name@" a git mirror tarball of upstream/git/repo as BitBake packs it
    (for "@SHALLOWTARBALL:repo:name:rev:depth@" a shallow one)."""
    m = re.match(r"@SHALLOWTARBALL:([^:]+):([^:]+):(\d+):(\d+)@$", data) if isinstance(data, str) else None
    if m:
        name, tarball = shallow_tarball(m.group(1), m.group(2), revs[m.group(1)][int(m.group(3))], int(m.group(4)), upstream, tmp)
        return rel + name, tarball
    m = re.match(r"@MIRRORTARBALL:([^:]+):(.+)@$", data) if isinstance(data, str) else None
    if not m:
        return rel, data
    bare = os.path.join(tmp, "bare")
    subprocess.run(["git", "clone", "-q", "--mirror", os.path.join(upstream, "git", m.group(1)), bare], check=True)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        tf.add(bare, arcname=".")
    shutil.rmtree(bare)
    return rel + "git2_%s.tar.gz" % m.group(2), buf.getvalue()


def run_case(c, bitbake):
    with tempfile.TemporaryDirectory(prefix="tsbake-fcase-") as t:
        tmp = os.path.realpath(t)
        layer, upstream, revs = materialize(c, tmp)
        http_files = dict(mirror_tarball(rel, data, upstream, tmp, revs) for rel, data in c["http"].items())
        for rel, data in http_files.items():
            write(os.path.join(upstream, "http", rel), data)
        files = dict(LAYER_FILES)
        files.update({"recipes/%s.bb" % name: text for name, text in c["recipes"].items()})
        files.update(c["files"])

        def fill(text):
            return re.sub(r"@REV:([^:@]+):(\d+)@", lambda m: revs[m.group(1)][int(m.group(2))], text)
        files = {rel: fill(v) if isinstance(v, str) else v for rel, v in files.items()}
        upstream_files = dict(mirror_tarball(rel, data, upstream, tmp, revs) for rel, data in c["upstream"].items())
        server = serve(os.path.join(upstream, "http"))
        http_url = "http://127.0.0.1:%d" % server.server_address[1]

        def placeholders(text):
            return text.replace("@HTTP@", http_url).replace("@HTTPHOSTPORT@", http_url[len("http://"):]).replace("@UPSTREAM@", upstream)
        for rel, data in upstream_files.items():
            # @UPSTREAMDOTS@: the upstream directory as a git2 name (a mirror tarball of a file:// repository).
            write(os.path.join(upstream, rel.replace("@UPSTREAMDOTS@", upstream[1:].replace("/", "."))), data)
        for rel, data in files.items():
            write(os.path.join(layer, rel), placeholders(data) if isinstance(data, str) else data)
        for rel, mode in c.get("modes", {}).items():
            os.chmod(os.path.join(layer, rel), int(mode, 8))
        results = []
        env = dict(os.environ, BBPATH=layer, LANG="en_US.UTF-8", LC_ALL="en_US.UTF-8")
        for args, conf, offline in c["runs"]:
            if offline and server:
                server.shutdown()
                server.server_close()
                server = None
            conf = fill(conf)
            write(os.path.join(layer, "conf/local.conf"), placeholders(conf))
            r = subprocess.run([os.path.join(bitbake, "bin", "bitbake")] + args, cwd=layer, env=env,
                               capture_output=True, text=True, timeout=600)
            out = r.stdout + r.stderr
            result = {"args": args, "conf": conf, "offline": offline, "status": 0 if r.returncode == 0 else 1}
            if r.returncode != 0:
                result["failure"] = failure(out)
            results.append(result)
        if server:
            server.shutdown()
            server.server_close()
        work = os.path.join(layer, "tmp", "work")
        sources = {pf: tree(os.path.join(work, pf, "sources"), upstream) for pf in sorted(os.listdir(work))} if os.path.isdir(work) else {}
        return {
            **({"superuser": True} if c.get("superuser") else {}),
            "name": c["name"],
            "description": c["description"],
            "files": {rel: encode(v) for rel, v in files.items()},
            **({"modes": c["modes"]} if "modes" in c else {}),
            "http": {rel: encode(v) for rel, v in http_files.items()},
            "upstream": {rel: encode(v) for rel, v in upstream_files.items()},
            "git": c["git"],
            "revs": revs,
            "runs": results,
            "downloads": tree(os.path.join(layer, "downloads"), upstream),
            "sources": sources,
        }


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if path.endswith("/"):
        return
    with open(path, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


def encode(data):
    """Text stays text; bytes that are not UTF-8 text become {"base64": ...}."""
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8") if b"\0" not in data else {"base64": base64.b64encode(data).decode()}
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(data).decode()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bitbake", default=os.path.join(HERE, "..", "..", "..", "bitbake"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    cases = [c for c in CASES if args.only in c["name"]]
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for done in pool.map(lambda c: run_case(c, os.path.abspath(args.bitbake)), cases):
            with open(os.path.join(HERE, done["name"] + ".json"), "w") as f:
                json.dump(done, f, indent=1, sort_keys=True)
                f.write("\n")
            print(done["name"], [r["status"] for r in done["runs"]], [r.get("failure") for r in done["runs"] if r["status"]], flush=True)


if __name__ == "__main__":
    sys.exit(main())
