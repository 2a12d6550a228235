#!/usr/bin/env python3
"""Generates getvar conformance cases in this directory from real BitBake.

Each case in cases.py is a small layer (files), an optional recipe and the variables to query.
The script writes the layer into a temporary directory and asks BitBake for each variable through
tinfoil, the way bitbake-getvar does: without a recipe, the finalised configuration; with one,
every recipe is parsed first (so a dangling bbappend fails) and then the recipe's datastore.
The case is stored with BitBake's answers: a string, null when unset, {"error": true} when
evaluating it (or parsing) failed. tests/conformance.test.ts runs tsbake on the same files.

    python3 tests/conformance-cases/generate.py [--bitbake /work/bitbake] [--only SUBSTR]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
# The shared corpus runner writes a case's files the way its checks will see them.
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "shared", "conformance"))
from run import materialise  # noqa: E402

PRELUDE = """# prelude
CACHE = "${TOPDIR}/cache"
BBFILES += "${TOPDIR}/meta/recipes-*/*/*.bb ${TOPDIR}/meta/recipes-*/*/*.bbappend"
"""
PNPV = """PN = "${@bb.parse.vars_from_file(d.getVar('FILE', False),d)[0] or 'defaultpkgname'}"
PV = "${@bb.parse.vars_from_file(d.getVar('FILE', False),d)[1] or '1.0'}"
PR = "${@bb.parse.vars_from_file(d.getVar('FILE', False),d)[2] or 'r0'}"
"""
BASE = "do_build () {\n\ttrue\n}\naddtask build\n"

# Runs inside the case directory with BitBake's lib on sys.path; prints one JSON answer per query.
QUERY = r"""
import json, sys
import bb.tinfoil
recipe, names = sys.argv[1], sys.argv[2:]
def value(d, q):
    try:
        if q.endswith("]") and "[" in q:
            var, flag = q[:-1].split("[", 1)
            v = d.getVarFlag(var, flag)
        else:
            v = d.getVar(q)
    except Exception:
        return {"error": True}
    if isinstance(v, (list, tuple)):
        return " ".join(v)
    return None if v is None else str(v)
try:
    with bb.tinfoil.Tinfoil(setup_logging=False) as tinfoil:
        if recipe:
            tinfoil.prepare(quiet=2)
            d = tinfoil.parse_recipe_file(recipe)
        else:
            tinfoil.prepare(quiet=2, config_only=True)
            d = tinfoil.finalizeData()
        print(json.dumps({q: value(d, q) for q in names}))
except BaseException as e:
    print("whole query failed: %r" % e, file=sys.stderr)
    print(json.dumps({q: {"error": True} for q in names}))
"""


def run_case(case, bitbake):
    with tempfile.TemporaryDirectory(prefix="tsbake-ccase-") as tmp:
        layer = os.path.realpath(tmp)
        materialise(case, layer)
        env = dict(os.environ, BBPATH=layer, LANG="en_US.UTF-8", LC_ALL="en_US.UTF-8",
                   PYTHONPATH=os.path.join(bitbake, "lib"))
        recipe = os.path.join(layer, case["recipe"]) if case["recipe"] else ""
        r = subprocess.run([sys.executable, "-c", QUERY, recipe] + case["vars"], cwd=layer, env=env,
                           capture_output=True, text=True, timeout=600)
        lines = r.stdout.strip().splitlines()
        if not lines:
            raise SystemExit("%s: no answer from BitBake\n%s" % (case["name"], r.stderr))
        answers = json.loads(lines[-1])
        if r.stderr.strip():
            print(r.stderr.strip().splitlines()[-1][:300], file=sys.stderr)
        return {k: (v.replace(layer, "@LAYER@") if isinstance(v, str) else v) for k, v in answers.items()}


def main():
    sys.path.insert(0, HERE)
    from cases import CASES
    ap = argparse.ArgumentParser()
    ap.add_argument("--bitbake", default=os.path.join(HERE, "..", "..", "..", "bitbake"))
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    for c in CASES:
        if args.only not in c["name"]:
            continue
        files = {"conf/bitbake.conf": PRELUDE + (PNPV if c.get("pnpv") else "") + c["conf"],
                 "classes/base.bbclass": BASE + c.get("base", "")}
        files.update(c.get("files", {}))
        case = {"name": c["name"], "description": c["description"], "tags": c["tags"],
                "python": "python" in c["tags"], "files": files, "recipe": c.get("recipe")}
        case["vars"] = run_case(dict(case, vars=c["vars"]), os.path.abspath(args.bitbake))
        with open(os.path.join(HERE, c["name"] + ".json"), "w") as f:
            json.dump(case, f, indent=1)
            f.write("\n")
        print(c["name"], json.dumps(case["vars"]), flush=True)


if __name__ == "__main__":
    sys.exit(main())
