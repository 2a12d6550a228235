#!/usr/bin/env python3
"""Prints, as JSON, the expanded values of variables in recipes as real BitBake sees them:
the reference for tsbake's oe-core comparisons. Run in a BitBake build directory with
BitBake's bin/ on PATH (its lib/ is found from there):

    bitbake-values.py RECIPES_FILE VARIABLES_FILE > values.json

RECIPES_FILE and VARIABLES_FILE list one name per line; a variable may be VAR[flag], and
`${PN}` in a name is replaced by the recipe's PN. VARIABLES_FILE "ALL" takes every variable
of each recipe (d.keys()). The output maps recipe -> variable ->
value (null when unset), with recipe -> "__error__" when BitBake cannot parse it."""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(shutil.which("bitbake"))), "lib"))
import bb.tinfoil  # noqa: E402


def read_list(path):
    with open(path) as f:
        return [line.strip() for line in f if line.strip() and not line.startswith("#")]


def value_of(d, name):
    name = name.replace("${PN}", d.getVar("PN"))
    if name.endswith("]") and "[" in name:
        var, flag = name[:-1].split("[", 1)
        value = d.getVarFlag(var, flag)
    else:
        value = d.getVar(name)
    if isinstance(value, list):
        return " ".join(value)  # tsbake getvar shows lists space-separated
    return None if value is None else str(value)


def main(recipes_file, variables_file):
    recipes = read_list(recipes_file)
    variables = None if variables_file == "ALL" else read_list(variables_file)
    out = {}
    result, sys.stdout = sys.stdout, sys.stderr  # tinfoil's notes must not mix with the JSON
    with bb.tinfoil.Tinfoil() as tinfoil:
        tinfoil.prepare(config_only=False, quiet=2)
        for recipe in recipes:
            try:
                d = tinfoil.parse_recipe(recipe)
            except Exception as e:  # the comparison records what BitBake said
                out[recipe] = {"__error__": str(e)}
                continue
            row = out[recipe] = {}
            for name in sorted(d.keys()) if variables is None else variables:
                try:
                    row[name] = value_of(d, name)
                except Exception as e:  # an expansion that fails in BitBake too
                    row[name] = "__expansion_error__"
    json.dump(out, result, indent=1, sort_keys=True)
    result.write("\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
