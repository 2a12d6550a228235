"""The getvar cases generate.py asks real BitBake about: files beside the prelude, the recipe
and the variables (NAME or NAME[flag]) to query. `conf` is appended to conf/bitbake.conf and
`base` to classes/base.bbclass; `pnpv` adds the PN/PV/PR file-name idiom."""

R = "meta/recipes-demo/demo/demo_1.0.bb"

CASES = [
    {
        "name": "c_override_append_orders",
        "description": "several OVERRIDES with :append:o, :o:append, :prepend:o, :remove:o and multi-part variants",
        "tags": ["overrides", "remove"],
        "conf": (
            'OVERRIDES = "a:b:c"\n'
            'X = "x"\nX:append:a = " A"\nX:a:append = " a1"\nX:append = " p"\nX:prepend:c = "C "\n'
            'Y = "y"\nY:b = "yb"\nY:a = "ya"\nY:b:append = " b1"\nY:append:b = " B"\nY:remove:c = "yb"\n'
            'Z = "z"\nZ:c:a = "zca"\nZ:b = "zb"\nZ:a:b:append = " ab"\nZ:append:c:a = " ca"\n'
            'V = "v"\nV:a:append = " va"\nV:append:a:b = " vab"\nV:append:a:d = " vad"\nV:prepend:a = "pre "\nV:a:prepend = "apre "\n'
            'U:append:a = "ua"\nU:append:d = "ud"\nT:append:d = "td"\n'
            'S = "s1 s2 s3"\nS:remove:a = "s1"\nS:remove:d = "s2"\nS:c:remove = "s3"\nS:c = "s3 s4"\n'
            'R:b = "rb"\nR:append = " r"\nR:b:remove = "r"\n'
        ),
        "vars": ["X", "X:a", "Y", "Z", "V", "V:a", "U", "T", "S", "S:c", "R", "R:b"],
    },
    {
        "name": "c_remove_expansion",
        "description": ":remove with ${...} and ${@...} words, overrides, several words, and a variant being removed from",
        "tags": ["remove", "expansion", "overrides", "python"],
        "conf": (
            'OVERRIDES = "m:${DISTRO}"\nDISTRO = "dd"\nW = "d"\n'
            'A = "a b c ${W} e"\nA:remove = "${W}"\nA:remove:dd = "a  e"\n'
            'B = "x y z"\nB:remove = "${@\'y z\'}"\n'
            'C = "one two two three"\nC:remove = "two"\nC:append = " two"\n'
            'D = "p q"\nD:remove = "${MISSING}"\n'
            'E = "k1 k2"\nE:remove = "${LATE}"\nLATE = "k2"\n'
            'F:remove = "f"\nF = "f g"\nF:m = "f h"\n'
            'G = "g1\tg2 g3"\nG:remove = "g2"\n'
            'H = "${A} h"\nH:remove = "b"\n'
        ),
        "vars": ["A", "B", "C", "D", "E", "F", "G", "H"],
    },
    {
        "name": "c_weak_defaults_files",
        "description": "??= vs ?= vs = across conf, include, class and recipe; += and .= on defaults; :append on a default",
        "tags": ["weak", "operators", "include", "inherit", "recipe"],
        "conf": (
            'include conf/defaults.inc\n'
            'A ??= "conf-weak"\nB ?= "conf-soft"\nC ??= "c1"\nC ??= "c2"\nD ?= "d1"\n'
            'E ??= "e"\nE:append = "+app"\nF ??= "f"\nF += "plus"\nG ??= "g"\nG .= "dot"\n'
        ),
        "files": {
            "conf/defaults.inc": 'A ?= "inc-soft"\nB ??= "inc-weak"\nD ??= "d0"\nH ??= "h-inc"\n',
            "classes/defs.bbclass": 'A ??= "class-weak"\nB ?= "class-soft"\nH ?= "h-class"\nI ??= "i-class"\nJ ?= "j-class"\nK ??= "k-class"\n',
            R: 'I ?= "i-recipe"\nJ ??= "j-recipe-weak"\ninherit defs\nK ?= "k-recipe"\nL ??= "l1"\nL ?= "l2"\nM ?= "m1"\nM ??= "m2"\n',
        },
        "recipe": R,
        "vars": ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M"],
    },
    {
        "name": "c_ops_on_variants",
        "description": "+=, .=, =+, ?=, ??= and := on override variants and on conditional appends",
        "tags": ["operators", "overrides"],
        "conf": (
            'OVERRIDES = "o:p"\n'
            'A = "a"\nA:o += "ao"\n'
            'B = "b"\nB:o = "bo"\nB:o .= "+dot"\nB:o =+ "pre"\n'
            'C = "c"\nC:append:o += "co"\nC:prepend:o =+ "cp"\n'
            'D = "d"\nD:o ?= "do1"\nD:o ?= "do2"\n'
            'E = "e"\nE:o ??= "eo"\nE:p ??= "ep1"\nE:p ??= "ep2"\n'
            'F = "f"\nF:o := "${F}-imm"\n'
            'G:o += "go"\n'
            'H = "h"\nH:append:o .= "ho"\nH:append:o =. "hp"\n'
        ),
        "vars": ["A", "A:o", "B", "C", "D", "E", "F", "G", "H"],
    },
    {
        "name": "c_task_flags_ops",
        "description": "task flags ([dirs], [depends], [vardeps], [noexec], [nostamp], [cleandirs]) with +=, .=, ??=, expansion and overrides",
        "tags": ["flags", "tasks", "recipe"],
        "conf": 'OVERRIDES = "o"\nB = "${TOPDIR}/build"\n',
        "base": (
            'do_compile() {\n\t:\n}\naddtask compile before do_build\n'
            'do_compile[dirs] = "${B}"\ndo_compile[cleandirs] ??= "${B}/clean"\n'
            'do_compile[depends] = "a:do_x"\ndo_compile[vardeps] = "V1"\n'
        ),
        "files": {
            R: (
                'do_compile[dirs] += "${B}/more"\ndo_compile[depends] .= " b:do_y"\n'
                'do_compile[vardeps] =+ "V0"\ndo_compile[cleandirs] += "${B}/c2"\n'
                'do_compile[noexec] = "1"\ndo_build[nostamp] ?= "1"\ndo_build[nostamp] ?= "0"\n'
                'do_compile:o[dirs] = "odirs"\ndo_install[dirs] = "${B}/i"\n'
                'do_compile[vardepsexclude] := "${B}"\n'
            ),
        },
        "recipe": R,
        "vars": ["do_compile[dirs]", "do_compile[cleandirs]", "do_compile[depends]", "do_compile[vardeps]",
                 "do_compile[noexec]", "do_build[nostamp]", "do_compile:o[dirs]", "do_install[dirs]",
                 "do_install[task]", "do_compile[task]", "do_compile[deps]", "do_build[deps]", "do_compile[vardepsexclude]"],
    },
    {
        "name": "c_inherit_from_vars",
        "description": "inherit ${VAR} resolved at that line, with overrides and ?=, and inherit_defer with a name a bbappend changes",
        "tags": ["inherit", "bbappend", "recipe", "overrides"],
        "conf": 'OVERRIDES = "o"\nCLS = "one"\nCLS:o = "two"\nLATER ?= "three"\n',
        "files": {
            "classes/one.bbclass": 'WHO .= "one "\n',
            "classes/two.bbclass": 'WHO .= "two "\n',
            "classes/three.bbclass": 'WHO .= "three "\n',
            "classes/four.bbclass": 'WHO .= "four "\nDEF = "four"\n',
            "classes/five.bbclass": 'WHO .= "five "\nDEF = "five"\n',
            R: 'WHO = ""\ninherit ${CLS}\nLATER = "one"\ninherit ${LATER}\nEMPTY = ""\ninherit ${EMPTY}\nDCLS = "four"\ninherit_defer ${DCLS}\nDEF = "recipe"\ninherit ${@"three" if d.getVar("CLS") == "two" else ""}\n',
            "meta/recipes-demo/demo/demo_%.bbappend": 'DCLS = "five"\n',
        },
        "recipe": R,
        "vars": ["WHO", "DEF", "DCLS", "BBINCLUDED"],
    },
    {
        "name": "c_python_idioms",
        "description": "d.getVarFlag, d.expand, bb.utils.contains/filter, d.getVar(..., False), ${@...} nested inside ${...}",
        "tags": ["python", "expansion", "flags"],
        "conf": (
            'FEAT = "x11 wayland  opengl"\nN = "2"\n'
            'F[doc] = "the ${N} doc"\n'
            'A = "${@d.getVarFlag(\'F\', \'doc\')}"\n'
            'B = "${@d.getVarFlag(\'F\', \'doc\', False)}"\n'
            'C = "${@d.expand(\'n=${N}\')}"\n'
            'D = "${@bb.utils.contains(\'FEAT\', \'x11 opengl\', \'yes\', \'no\', d)}"\n'
            'E = "${@bb.utils.contains(\'FEAT\', \'x11 vulkan\', \'yes\', \'no\', d)}"\n'
            'G = "${@bb.utils.filter(\'FEAT\', \'opengl x11 vulkan\', d)}"\n'
            'H = "${@d.getVar(\'RAW\', False)}"\nRAW = "raw-${N}"\n'
            'V_2 = "v-two"\nI = "${V_${@int(d.getVar(\'N\'))}}"\n'
            'J = "${@\'${N}\' * 3}"\n'
            'K = "${@len(d.getVar(\'FEAT\').split())}"\n'
            'L = "${@bb.utils.contains_any(\'FEAT\', [\'vulkan\', \'wayland\'], \'any\', \'none\', d)}"\n'
            'M = "${@d.getVar(\'UNSETVAR\') is None}"\n'
            'O = "${@\'-\'.join(sorted(d.getVarFlags(\'F\').keys()))}"\n'
            'P = "${@d.getVar(\'N\') + \'}\'}"\n'
        ),
        "vars": ["A", "B", "C", "D", "E", "G", "H", "I", "J", "K", "L", "M", "O", "P"],
    },
    {
        "name": "c_syntax_functions",
        "description": "line continuations inside values and functions, comments and quotes inside function bodies",
        "tags": ["syntax", "functions", "recipe"],
        "conf": 'N = "n"\n',
        "files": {
            R: (
                'A = "one \\\n    two \\\n three"\n'
                'B = \'single "quoted" ${N}\'\n'
                'C = "a # not a comment"\n'
                'D = "d \\\n  end"\n'
                'E = "e"\n'
                'do_thing() {\n\t# a comment with ${N}\n\techo "}" \\\n\t  more\n\n\tif true; then echo \'x\'; fi  \n}\n'
                'python do_py() {\n    # comment ${N}\n    x = "}"\n    bb.note(x)\n}\n'
                'F = "f"  \n'
                'G = "x\\y\\\\z"\n'
            ),
        },
        "recipe": R,
        "vars": ["A", "B", "C", "D", "E", "do_thing", "do_py", "F", "G"],
    },
    {
        "name": "c_err_comment_continuation",
        "description": "a comment line ending in a backslash, followed by an assignment, is a parse error",
        "tags": ["syntax", "error", "recipe"],
        "conf": "",
        "files": {R: 'A = "a"\n# comment \\\nD = "continued"\n'},
        "recipe": R,
        "vars": ["A", "D"],
    },
    {
        "name": "c_err_comment_in_continuation",
        "description": "a comment line inside a continued value is a parse error",
        "tags": ["syntax", "error"],
        "conf": 'A = "a"\nD = "d \\\n# inside \\\n  end"\n',
        "vars": ["A", "D"],
    },
    {
        "name": "c_export_flags",
        "description": "export with overrides and appends, [export] set to 0, [unexport], export of an unset variable",
        "tags": ["export", "flags"],
        "conf": (
            'OVERRIDES = "o"\nexport A = "a"\nA:o = "ao"\nexport B\nB[export] = "0"\n'
            'export C:o = "co"\nD = "d"\nD[unexport] = "1"\nexport D\nexport E ?= "e"\nexport F ??= "f"\nF = "f2"\n'
        ),
        "vars": ["A", "A[export]", "B", "B[export]", "C", "C:o[export]", "C[export]", "D[unexport]", "D[export]", "E", "E[export]", "F", "F[export]"],
    },
]
CASES.append({
    "name": "c_cooker_vars",
    "description": "variables the cooker sets while collecting recipe files, seen from a recipe",
    "tags": ["layers", "recipe"],
    "conf": "",
    "files": {R: 'A = "a"\n'},
    "recipe": R,
    "vars": ["BBFILES_PRIORITIZED", "A", "BB_CURRENT_MC", "__BBTASKS"],
})
CASES.append({
    "name": "c_renamed_marker",
    "description": "writing a renamed variable (here only a flag, then unset) is reported but not fatal; BitBake marks the datastore with _FAILPARSINGERRORHANDLED",
    "tags": ["flags", "unset"],
    "conf": 'BB_RENAMED_VARIABLES[OLDV] = "NEWV"\nBB_RENAMED_VARIABLES[GONE] = "is obsolete"\nOLDV[doc] = "x"\nGONE = "g"\nunset GONE\nA = "a"\n',
    "vars": ["A", "_FAILPARSINGERRORHANDLED", "OLDV", "OLDV[doc]", "GONE"],
})
CASES.append({
    "name": "c_renamed_marker_clean",
    "description": "without a renamed variable written, _FAILPARSINGERRORHANDLED is unset",
    "tags": ["flags"],
    "conf": 'BB_RENAMED_VARIABLES[OLDV] = "NEWV"\nNEWV = "n"\n',
    "vars": ["NEWV", "_FAILPARSINGERRORHANDLED"],
})
CASES.append({
    "name": "c_python_api_more",
    "description": "datastore API from anonymous python and ${@...}: inherits_class, flags set/append/del, renameVar, getVarFlags, vercmp, expand=False with appends",
    "tags": ["python", "functions", "flags", "recipe"],
    "conf": 'OVERRIDES = "o"\nLIST = "b a c"\nX = "x"\nX:append = " ${LIST}"\nV = "1.10"\n',
    "files": {
        "classes/helper.bbclass": 'HELPER = "yes"\n',
        R: (
            'inherit helper\n'
            'A = "${@bb.data.inherits_class(\'helper\', d)}"\n'
            'B = "${@bb.data.inherits_class(\'native\', d)}"\n'
            'C = "${@d.getVar(\'X\', False)}"\n'
            'D = "${@bb.utils.vercmp_string(d.getVar(\'V\'), \'1.9\')}"\n'
            'E = "${@\' \'.join(sorted(d.getVar(\'LIST\').split()))}"\n'
            'F[a] = "1"\nF[b] = "${X}"\n'
            'G = "${@sorted(d.getVarFlags(\'F\').items())}"\n'
            'H = "${@os.path.basename(d.getVar(\'FILE\'))}"\n'
            'I = "${@bb.utils.explode_deps(\'a (>= 1) b c (<2)\')}"\n'
            'J = "${@d.getVar(\'X\', True)}"\n'
            'K = "${@bb.utils.to_boolean(\'Yes\')}"\n'
            'python () {\n'
            '    d.setVarFlag("T", "doc", "t-doc")\n'
            '    d.appendVarFlag("T", "doc", "+more")\n'
            '    d.prependVarFlag("T", "doc", "pre+")\n'
            '    d.setVar("T", "t")\n'
            '    d.setVar("OLD", "old")\n'
            '    d.renameVar("OLD", "NEW")\n'
            '    d.setVarFlag("F", "c", "3")\n'
            '    d.delVarFlag("F", "a")\n'
            '    d.setVar("L", d.getVar("X", False))\n'
            '    d.appendVar("M", "m1")\n'
            '    d.prependVar("M", "m0 ")\n'
            '    d.setVar("N", " ".join(sorted(d.getVarFlags("F"))))\n'
            '    d.setVar("P", str(d.getVar("UNSET") is None))\n'
            '    d.setVar("Q", d.expand("${X}-${@1+1}"))\n'
            '    d.delVar("HELPER")\n'
            '}\n'
        ),
    },
    "recipe": R,
    "vars": ["A", "B", "C", "D", "E", "G", "H", "I", "J", "K", "T", "T[doc]", "OLD", "NEW", "F[a]", "F[c]", "L", "M", "N", "P", "Q", "HELPER"],
})
CASES.append({
    "name": "c_task_deps_summary",
    "description": "_task_deps, the dict of task flags add_tasks leaves in a finalised recipe: tasks, parents, every copied flag, expanded",
    "tags": ["tasks", "flags", "recipe"],
    "conf": 'T = "fetch"\nU = "022"\n',
    "base": (
        'do_fetch() {\n\t:\n}\naddtask ${T}\n'
        'fakeroot do_install() {\n\t:\n}\naddtask install after do_${T} before do_build\n'
        'do_install[umask] = "${U}"\ndo_install[depends] = "x:do_y"\ndo_build[nostamp] = "1"\ndo_build[noexec] ??= "1"\n'
        'do_build[recrdeptask] = "do_build"\ndo_install[deptask] = "do_fetch"\ndo_install[rdeptask] = "do_${T}"\n'
        'do_fetch[mcdepends] = "mc:a:b:x:do_fetch"\ndo_install[recideptask] = "do_fetch"\ndo_fetch[rdepends] = "r:do_fetch"\n'
    ),
    "files": {R: 'python () {\n    d.setVarFlag("do_fetch", "noexec", 1)\n}\n'},
    "recipe": R,
    "vars": ["_task_deps", "__BBTASKS", "do_install[fakeroot]"],
})
CASES.append({
    "name": "c_tasks_readd",
    "description": "deltask of several tasks, a task added again after deltask, addtask with a comment, before a missing task, names from variables",
    "tags": ["tasks", "recipe"],
    "conf": 'LATE = "late"\n',
    "base": (
        'do_a() {\n\t:\n}\ndo_b() {\n\t:\n}\ndo_c() {\n\t:\n}\n'
        'addtask a\naddtask b after do_a before do_build\naddtask c after a b before build nothing\n'
    ),
    "files": {R: (
        'deltask do_a ${@"do_b"}\n'
        'addtask b after do_c # comment here\n'
        'addtask ${LATE} after b before do_missing\n'
        'do_late() {\n\t:\n}\n'
        'deltask c\naddtask c\n'
    )},
    "recipe": R,
    "vars": ["__BBTASKS", "do_a[task]", "do_b[task]", "do_b[deps]", "do_c[deps]", "do_c[task]", "do_build[deps]", "do_late[deps]", "do_missing[deps]", "do_nothing[deps]", "_task_deps"],
})
CASES.append({
    "name": "c_addfragments",
    "description": "addfragments: layer fragments in OE_FRAGMENTS order with their metadata variables moved to flags, a builtin fragment setting MACHINE, the same name in another layer",
    "tags": ["include", "layers"],
    "conf": (
        'OE_FRAGMENTS = "core/one other/two machine/qemu core/three"\n'
        'OE_FRAGMENTS_BUILTIN = "machine:MACHINE distro:DISTRO"\n'
        'OE_FRAGMENTS_METADATA_VARS = "BB_CONF_FRAGMENT_SUMMARY BB_CONF_FRAGMENT_DESCRIPTION"\n'
        'ORDER = "start"\nMACHINE:o = "override-kept"\n'
        'addfragments conf/fragments OE_FRAGMENTS OE_FRAGMENTS_METADATA_VARS OE_FRAGMENTS_BUILTIN\n'
        'ORDER .= " end"\n'
    ),
    "files": {
        "conf/bblayers.conf": 'BBLAYERS = "${TOPDIR}/la ${TOPDIR}/lb"\n',
        "la/conf/layer.conf": 'BBPATH .= ":${LAYERDIR}"\nBBFILE_COLLECTIONS += "core"\nBBFILE_PATTERN_core = "^${LAYERDIR}/"\nBBFILE_PRIORITY_core = "5"\n',
        "lb/conf/layer.conf": 'BBPATH .= ":${LAYERDIR}"\nBBFILE_COLLECTIONS += "other"\nBBFILE_PATTERN_other = "^${LAYERDIR}/"\nBBFILE_PRIORITY_other = "6"\n',
        "la/conf/fragments/one.conf": 'BB_CONF_FRAGMENT_SUMMARY = "one"\nBB_CONF_FRAGMENT_DESCRIPTION = "the first"\nORDER .= " one"\nONE = "1"\n',
        "la/conf/fragments/three.conf": 'BB_CONF_FRAGMENT_SUMMARY = "three"\nORDER .= " three:${MACHINE}"\n',
        "lb/conf/fragments/two.conf": 'ORDER .= " two"\nTWO = "${ONE}2"\n',
        "lb/conf/fragments/one.conf": 'WRONG = "other layer one"\n',
    },
    "vars": ["ORDER", "ONE", "TWO", "WRONG", "MACHINE", "DISTRO", "BB_CONF_FRAGMENT_SUMMARY", "BB_CONF_FRAGMENT_SUMMARY[core/one]",
             "BB_CONF_FRAGMENT_SUMMARY[core/three]", "BB_CONF_FRAGMENT_DESCRIPTION[core/one]", "BB_CONF_FRAGMENT_SUMMARY[other/two]", "MACHINE:o"],
})
for name, text, description in [
    ("c_require_empty", 'EMPTY = ""\nrequire ${EMPTY}\nA = "a"\n', "require of a name that expands to nothing"),
    ("c_include_unset_ref", 'include ${UNSET}/x.inc\ninclude ${EMPTY}\nEMPTY = ""\nA = "a"\n', "include of a name with an unresolved reference, and of an empty name"),
    ("c_require_dir", 'require meta\nA = "a"\n', "require of a directory"),
]:
    CASES.append({
        "name": name,
        "description": description,
        "tags": ["include", "recipe"],
        "conf": "",
        "files": {R: text},
        "recipe": R,
        "vars": ["A"],
    })
CASES.append({
    "name": "c_file_layername_none",
    "description": "a recipe in no collection: BitBake sets FILE_LAYERNAME to None, over the configuration's default or value",
    "tags": ["layers", "recipe"],
    "conf": 'FILE_LAYERNAME ??= "config"\nCONFV = "${FILE_LAYERNAME}"\nOVERRIDES = "layer-${FILE_LAYERNAME}"\nO = "plain"\nO:layer-config = "config"\n',
    "files": {R: 'X = "${FILE_LAYERNAME}"\nY = "${@d.getVar(\'FILE_LAYERNAME\')}"\n'},
    "recipe": R,
    "vars": ["FILE_LAYERNAME", "X", "Y", "CONFV", "O"],
})

# conf6: inline Python beyond the simple idioms, unusual syntax, handlers and layers.
CASES.append({
    "name": "d_inline_python_forms",
    "description": "${@...} with comprehensions, or-defaults, bb.utils helpers, format braces, None results, errors and nesting",
    "tags": ["python", "expansion", "error"],
    "conf": (
        'A = "a b c"\nT = "yes"\nA[doc] = "${B}"\n'
        'B = "${@\' \'.join([x.upper() for x in d.getVar(\'A\').split()])}"\n'
        'C = "${@d.getVar(\'NOPE\') or \'\'}"\n'
        'D = "${@bb.utils.contains(\'A\', \'c b\', \'yes\', \'no\', d)}"\n'
        'E = "${@bb.utils.contains_any(\'A\', \'x c\', \'yes\', \'no\', d)}"\n'
        'F = "${@bb.utils.filter(\'A\', \'c a z\', d)}"\n'
        'G = "${@bb.utils.to_boolean(d.getVar(\'T\'))}"\n'
        'H = "${@bb.utils.vercmp_string(\'1.2\', \'1.10\')}"\n'
        'I = "${@d.getVarFlag(\'A\', \'doc\', expand=False)}"\n'
        'I2 = "${@d.getVarFlag(\'A\', \'doc\')}"\n'
        'J = "${@\'${A}\'.replace(\' \', \'-\')}"\n'
        'K = "${@ ${@\'1\'} + 1}"\n'
        'L = "${@[1,2][5]}"\n'
        'M = "${@undefined_name}"\n'
        'N = "${@d.getVar(\'UNDEF_X\')}"\n'
        'O = "${@None}"\n'
        'P = "${@True and \'x\' or \'y\'}"\n'
        'Q = "${@\'%s-%d\' % (\'a\', 3)}"\n'
        'S = "${@\'{x}\'.format(x=1)}"\n'
        'U = "${@d.getVar(\'A\', False)}"\n'
        'V = "${@d.expand(\'${A}-x\')}"\n'
        'W = "${@int(\'3\') * 2}"\n'
        'X = "${@len(d.getVar(\'A\').split())}"\n'
        'Y = "${@bb.utils.contains(\'UNDEFINED_VAR\', \'x\', \'y\', \'n\', d)}"\n'
        'Z = "${@{\'k\': \'v\'}[\'k\']}"\n'
        'AA = "${@\'a\' if d.getVar(\'T\') == \'yes\' else \'b\'}"\n'
        'AB = "pre-${@d.getVar(\'MISSING_ONE\')}-${MISSING_TWO}-post"\n'
        'AC = "${@bb.utils.to_boolean(\'maybe\')}"\n'
        'AD = "${@bb.utils.contains(\'A\', [\'a\', \'c\'], \'list\', \'no\', d)}"\n'
        'AE = "${@(lambda v: v * 2)(\'ab\')}"\n'
        'AF = "${@str(1/0)}"\n'
        'AG = "${@\' \'.join(sorted(set(d.getVar(\'A\').split()), reverse=True))}"\n'
        'AH = "${@d.getVar(\'A\').split()[-1]}"\n'
        'AI = "${@oe_undefined_helper(d)}"\n'
        'AJ = "${@\'\'}"\n'
        'AK = "${@0}${@False}${@[]}"\n'
        'AL = "${@\\"dq\\"}"\n'
    ),
    "vars": ["B", "C", "D", "E", "F", "G", "H", "I", "I2", "J", "K", "L", "M", "N", "O", "P", "Q", "S", "U", "V", "W", "X",
             "Y", "Z", "AA", "AB", "AC", "AD", "AE", "AF", "AG", "AH", "AI", "AJ", "AK", "AL"],
})
CASES.append({
    "name": "d_python_defs_and_libs",
    "description": "def functions from classes called from ${@}, inherits_class, a layer's addpylib module, python functions and their flags",
    "tags": ["python", "inherit", "layers", "functions", "recipe"],
    "conf": "",
    "files": {
        "conf/bblayers.conf": 'BBLAYERS = "${TOPDIR}/la"\n',
        "la/conf/layer.conf": (
            'BBPATH .= ":${LAYERDIR}"\nBBFILE_COLLECTIONS += "la"\nBBFILE_PATTERN_la = "^${LAYERDIR}/"\n'
            'BBFILE_PRIORITY_la = "5"\naddpylib ${LAYERDIR}/lib tsbhelp\n'
        ),
        "la/lib/tsbhelp/__init__.py": (
            'def conditional(var, value, t, f, d):\n    return t if d.getVar(var) == value else f\n'
            'def joined(d, *names):\n    return "-".join(d.getVar(n) or "?" for n in names)\n'
        ),
        "classes/helpers.bbclass": (
            'def helper_join(d, sep):\n    return sep.join((d.getVar(\'HL\') or \'\').split())\n'
            'def helper_none(d):\n    return None\n'
            'def helper_multi(d):\n    out = []\n    for w in (d.getVar(\'HL\') or \'\').split():\n        out.append(w * 2)\n    return \' \'.join(out)\n'
            'HX = "${@helper_join(d, \'+\')}"\n'
        ),
        R: (
            'inherit helpers\nHL = "p q r"\n'
            'HY = "${@helper_none(d)}"\nHZ = "${@bb.data.inherits_class(\'helpers\', d)}"\n'
            'HW = "${@bb.data.inherits_class(\'nope\', d)}"\n'
            'HV = "${@\'yes\' if bb.data.inherits_class(\'helpers\', d) else \'no\'}"\n'
            'HM = "${@helper_multi(d)}"\n'
            'HC = "${@tsbhelp.conditional(\'HL\', \'p q r\', \'same\', \'diff\', d)}"\n'
            'HJ = "${@tsbhelp.joined(d, \'HL\', \'NOPE\')}"\n'
            'python do_thing () {\n    bb.note("x")\n}\n'
            'fakeroot python do_froot () {\n    pass\n}\n'
            'fakeroot do_fsh () {\n\t:\n}\n'
            'addtask thing\naddtask froot after do_thing\naddtask fsh\n'
        ),
    },
    "recipe": R,
    "vars": ["HX", "HY", "HZ", "HW", "HV", "HM", "HC", "HJ", "do_thing[python]", "do_thing[func]", "do_froot[fakeroot]",
             "do_froot[python]", "do_fsh[fakeroot]", "do_fsh[func]", "helper_join[func]", "helper_join[python]", "BBINCLUDED"],
})
CASES.append({
    "name": "d_syntax_odd",
    "description": "export without value, unset of a flag, ??= on flags, override names with digits/dashes, ${} in names, tab continuations",
    "tags": ["syntax", "export", "unset", "flags", "keyexpand", "overrides", "weak"],
    "conf": (
        'export EV\nEV2 = "x"\nexport EV2\nunset EV2[export]\n'
        'export EV3 ?= "soft"\nexport EV4 ??= "weak"\n'
        'F = "f"\nF[doc] = "d"\nF[doc] ??= "weak"\nG[doc] ??= "g-weak"\nG[doc] ??= "g-weak2"\nH[doc] ?= "h1"\nH[doc] ?= "h2"\n'
        'F[doc] += "more"\nF[doc] .= "dot"\nF[other] = "o"\nunset F[other]\nunset F[nonexistent]\n'
        'OVERRIDES = "arm-v7:x86_64:1a:o"\n'
        'V = "v"\nV:arm-v7 = "armv7"\nW = "w"\nW:x86_64 = "x86"\nX = "x"\nX:1a = "one-a"\nX:append:arm-v7 = " +a"\n'
        'NM = "pre"\nOV = "o"\n${NM}_X = "k"\n${NM}_X:append = " app"\nY = "y"\nY:${OV} = "y-ov"\n${UNDEF}_Z = "z"\n'
        '${NM}_W[doc] = "flagged"\n'
        'T = "a \\\n\tb \\\n  c"\n'
        'T2 = "one\\\n\ttwo"\n'
    ),
    "vars": ["EV", "EV[export]", "EV2", "EV2[export]", "EV3", "EV3[export]", "EV4", "EV4[export]",
             "F[doc]", "G[doc]", "H[doc]", "F[other]", "V", "W", "X", "pre_X", "Y", "${UNDEF}_Z", "pre_W[doc]", "T", "T2"],
})
CASES.append({
    "name": "d_event_handlers",
    "description": "handlers from an INHERITed class set variables at ConfigParsed and RecipePreFinalise",
    "tags": ["python", "inherit", "functions", "recipe"],
    "conf": 'INHERIT += "hooks"\nBASEV = "base"\n',
    "files": {
        "classes/hooks.bbclass": (
            'addhandler hooks_config\nhooks_config[eventmask] = "bb.event.ConfigParsed"\n'
            'python hooks_config () {\n    e.data.setVar("FROM_CONFIG", "cfg-" + e.data.getVar("BASEV"))\n}\n'
            'addhandler hooks_prefinal\nhooks_prefinal[eventmask] = "bb.event.RecipePreFinalise"\n'
            'python hooks_prefinal () {\n    e.data.setVar("FROM_PREFINAL", "pf-" + (e.data.getVar("PN") or ""))\n    e.data.appendVar("LATE", " handler")\n}\n'
            'addhandler hooks_parsed\nhooks_parsed[eventmask] = "bb.event.RecipeParsed"\n'
            'python hooks_parsed () {\n    e.data.setVar("FROM_PARSED", "rp")\n}\n'
        ),
        R: 'LATE = "recipe"\nLATE:append = " app"\n',
    },
    "recipe": R,
    "vars": ["FROM_CONFIG", "FROM_PREFINAL", "FROM_PARSED", "LATE", "hooks_config[eventmask]", "__BBHANDLERS"],
})
CASES.append({
    "name": "d_tasks_syntax",
    "description": "deltask of several tasks, addtask after/before lists, anonymous python forms, prefuncs/postfuncs, EXPORT_FUNCTIONS from two classes",
    "tags": ["tasks", "functions", "inherit", "python", "recipe"],
    "conf": "",
    "files": {
        "classes/ca.bbclass": 'ca_do_configure () {\n\techo ca\n}\nca_do_compile () {\n\techo ca-compile\n}\nEXPORT_FUNCTIONS do_configure do_compile\n',
        "classes/cb.bbclass": 'cb_do_configure () {\n\techo cb\n}\nEXPORT_FUNCTIONS do_configure\n',
        R: (
            'inherit ca cb\n'
            'do_a () {\n\t:\n}\ndo_b () {\n\t:\n}\ndo_c () {\n\t:\n}\ndo_x () {\n\t:\n}\ndo_y () {\n\t:\n}\n'
            'addtask a\naddtask b after do_a\naddtask c after a b before do_build\n'
            'addtask x after do_a do_b before do_c do_build\naddtask y before x\n'
            'addtask configure\naddtask compile after do_configure\n'
            'deltask do_b do_y\n'
            'do_x[prefuncs] += "pre_one pre_two"\ndo_x[postfuncs] = "post_one"\n'
            'python () {\n    d.setVar("ANON1", "plain")\n}\n'
            'python __anonymous () {\n    d.setVar("ANON2", "named")\n    d.appendVar("ANON1", " +2")\n}\n'
        ),
    },
    "recipe": R,
    "vars": ["__BBTASKS", "do_c[deps]", "do_x[deps]", "do_a[deps]", "do_build[deps]", "do_x[prefuncs]", "do_x[postfuncs]",
             "ANON1", "ANON2", "do_configure", "do_compile", "do_configure[func]", "do_b", "do_b[task]", "do_y[deps]"],
})
LAYER_CONF = ('BBPATH .= ":${LAYERDIR}"\nBBFILE_COLLECTIONS += "%(n)s"\nBBFILE_PATTERN_%(n)s = "^${LAYERDIR}/"\n'
              'BBFILE_PRIORITY_%(n)s = "%(p)s"\n')
CASES.append({
    "name": "d_layers_meta",
    "description": "LAYERDEPENDS with versions met, LAYERVERSION, LAYERSERIES_COMPAT matching, a relative BBLAYERS entry, BBFILES_DYNAMIC and a regex BBFILE_PATTERN",
    "tags": ["layers", "recipe"],
    "conf": "",
    "files": {
        "conf/bblayers.conf": 'BBLAYERS = "${TOPDIR}/la lb"\n',
        "la/conf/layer.conf": LAYER_CONF % {"n": "la", "p": "5"} + 'LAYERVERSION_la = "3"\nLAYERSERIES_COMPAT_la = "whinlatter"\nLAYERDEPENDS_la = "lb (>= 2)"\n'
                              'BBFILES += "${LAYERDIR}/recipes/*.bb"\nBBFILES_DYNAMIC += "lb:${LAYERDIR}/dyn/*.bbappend nope:${LAYERDIR}/never/*.bbappend !nope:${LAYERDIR}/neg/*.bbappend"\n',
        "lb/conf/layer.conf": 'BBPATH .= ":${LAYERDIR}"\nBBFILE_COLLECTIONS += "lb"\nBBFILE_PATTERN_lb = "^${LAYERDIR}/(recipes|other)/"\nBBFILE_PRIORITY_lb = "7"\n'
                              'LAYERVERSION_lb = "2"\nLAYERSERIES_COMPAT_lb = "walnascar"\nLAYERSERIES_CORENAMES = "walnascar whinlatter"\nBBFILES += "${LAYERDIR}/recipes/*.bb"\n',
        "la/recipes/app_1.0.bb": 'A = "app"\n',
        "la/dyn/app_1.0.bbappend": 'A:append = " dyn"\n',
        "la/never/app_1.0.bbappend": 'A:append = " never"\n',
        "la/neg/app_1.0.bbappend": 'A:append = " neg"\n',
        "lb/recipes/lib_1.0.bb": 'L = "${FILE_LAYERNAME}"\n',
    },
    "recipe": "la/recipes/app_1.0.bb",
    "vars": ["A", "FILE_LAYERNAME", "BBLAYERS", "LAYERVERSION_la", "LAYERDEPENDS_la", "BBFILE_COLLECTIONS", "BBFILE_PATTERN_lb",
             "LAYERSERIES_COMPAT_la", "BBFILES", "BBPATH", "BBFILES_DYNAMIC", "LAYERDIR", "LAYERDIR_la", "LAYERDIR_RE_la"],
})
for name, extra, description in [
    ("d_layer_depends_missing", 'LAYERDEPENDS_la = "nothere"\n', "LAYERDEPENDS naming a collection nobody has is fatal"),
    ("d_layer_depends_version", 'LAYERDEPENDS_la = "lb (> 4)"\n', "LAYERDEPENDS with a version the other layer does not meet is fatal"),
    ("d_layer_series_mismatch", 'LAYERSERIES_COMPAT_la = "kirkstone"\n', "LAYERSERIES_COMPAT not naming any LAYERSERIES_CORENAMES entry"),
    ("d_layer_priority_default", 'BBFILE_PRIORITY_la = ""\n', "an empty BBFILE_PRIORITY"),
    ("d_layer_bad_pattern", 'BBFILE_PATTERN_la = "^${LAYERDIR}/(unclosed"\n', "a BBFILE_PATTERN that is not a valid regular expression"),
    ("d_layer_error_forgotten", 'LAYERDEPENDS_la = "nothere lb (>= 1)"\nBBFILE_COLLECTIONS += "lc"\nBBFILE_PATTERN_lc = ""\n', "an empty BBFILE_PATTERN of a later collection makes BitBake forget the LAYERDEPENDS errors before it"),
    ("d_layer_depends_no_version", 'LAYERDEPENDS_la = "lb (>=1) lc (>= 1)"\nBBFILE_COLLECTIONS += "lc"\nBBFILE_PATTERN_lc = "^nothing/"\n', "LAYERDEPENDS with a version of a layer that has no LAYERVERSION"),
]:
    CASES.append({
        "name": name,
        "description": description,
        "tags": ["layers", "error"],
        "conf": 'X = "x"\n',
        "files": {
            "conf/bblayers.conf": 'BBLAYERS = "${TOPDIR}/la ${TOPDIR}/lb"\n',
            "la/conf/layer.conf": LAYER_CONF % {"n": "la", "p": "5"} + extra,
            "lb/conf/layer.conf": LAYER_CONF % {"n": "lb", "p": "6"} + 'LAYERVERSION_lb = "2"\nLAYERSERIES_CORENAMES = "walnascar"\n',
        },
        "vars": ["X", "BBFILE_PRIORITY_la", "LAYERDEPENDS_la", "BBFILE_PATTERN_la", "LAYERSERIES_CORENAMES", "LAYERSERIES_COMPAT_la"],
    })
CASES.append({
    "name": "d_python_errors_values",
    "description": "failing ${@} values and an override name from ${@}, in the recipe asked for",
    "tags": ["python", "error", "recipe"],
    "conf": 'OK = "ok"\n',
    "files": {
        R: 'A = "a"\nB := "${@d.getVar(\'A\') + \'1\'}"\nC = "${@d.getVar(\'NONE_SUCH\') + \'x\'}"\nD = "${C}-d"\n'
           'F = "${@bb.utils.contains(\'A\', \'a\', \'${OK}\', \'no\', d)}"\n',
    },
    "recipe": R,
    "vars": ["A", "B", "C", "D", "F", "OK"],
})
CASES.append({
    "name": "d_python_errors_contexts",
    "description": "a failing ${@} in an inherit, an include, a := and an override name; bb.fatal and SkipRecipe in anonymous python of another recipe",
    "tags": ["python", "error", "recipe"],
    "conf": 'OK = "ok"\n',
    "files": {
        R: 'A = "a"\nB := "${@d.getVar(\'A\') + \'1\'}"\nC = "${@d.getVar(\'NONE_SUCH\') + \'x\'}"\nD = "${C}-d"\n'
           'E:${@\'o\'} = "e"\nF = "${@bb.utils.contains(\'A\', \'a\', \'${OK}\', \'no\', d)}"\n',
        "meta/recipes-demo/other/other_1.0.bb": 'python () {\n    bb.fatal("stop here")\n}\n',
        "meta/recipes-demo/skip/skip_1.0.bb": 'python () {\n    raise bb.parse.SkipRecipe("not today")\n}\n',
    },
    "recipe": R,
    "vars": ["A", "B", "C", "D", "E:o", "F", "OK"],
})
CASES.append({
    "name": "d_python_errors_imm",
    "description": "a failing ${@} in := and in inherit stop parsing; in ?= and ??= values they stay lazy",
    "tags": ["python", "error", "immediate"],
    "conf": 'A ?= "${@1/0}"\nB ??= "${@1/0}"\nC = "c"\nD := "${@d.getVar(\'C\')}-${@1/0}"\n',
    "vars": ["A", "B", "C", "D"],
})
CASES.append({
    "name": "d_python_errors_inherit",
    "description": "a failing ${@} in inherit",
    "tags": ["python", "error", "inherit", "recipe"],
    "conf": '',
    "files": {R: 'A = "a"\ninherit ${@1/0}\n'},
    "recipe": R,
    "vars": ["A"],
})
STR_EXPRS = [
    "'a,b,,c'.split(',')", "'a-b-c'.rsplit('-', 1)", "'a-b-c'.rsplit('-', 1)[0]", "'k=v=w'.partition('=')[2]",
    "'xxhixx'.strip('x')", "'aaa'.replace('a', 'b', 2)", "'abc'.startswith(('x', 'a'))", "'-'.join(w for w in 'a b'.split())",
    "'%s' % ['a', 'b']", "str(['a', 1])", "'abcdef'[::-1]", "'abcdef'[1:-1:2]", "'hello world'.title()",
    "'hello'.capitalize()", "'7'.zfill(3)", "'b' in 'abc'", "'z' not in 'abc'", "1 < 2 < 3", "int('0x10', 16)",
    "'%05.2f' % 3.14159", "'%-4s|' % 'a'", "'%d%%' % 5", "'{} {}'.format('a', 'b')", "'{0}{0}'.format('r')",
    "' '.join(sorted(['b', 'A', 'a']))", "'A b'.lower().upper()", "'a b'.split(None, 1)", "'  x  '.lstrip()",
    "'x'.center(5, '*')", "'a\\tb'.expandtabs(4)", "'abc'.find('c')", "'abc'.index('b')", "'abc'.count('')",
    "'a b c'.split()[1:]", "len('')", "bool('False')", "min('b', 'a')", "max([3, 10, 2])", "repr('q')", "repr(None)",
    "str(True) + str(None)", "'%s-%s' % ('a', None)", "'x' * 3", "3 * 'y'", "'a' + 'b' * 2", "(1, 2)", "[1, 'a']",
    "{'a': 1}", "{'a', 'a'}", "1.5", "10 / 4", "10 // 4", "-7 // 2", "-7 % 3", "2 ** 10", "True + True",
    "'ab'.endswith('b')", "'a.b.c'.split('.', -1)", "'abc'.isalpha()", "'12'.isdigit()", "'Ab'.swapcase()",
    "'a' if '' else 'b'", "'' or None", "0 or ''", "[] or 'e'", "not ''", "'x'.join([])", "'abc'[5:]",
    "'%(a)s' % {'a': 'A'}", "'%r' % 'q'", "'%x' % 255", "'%o' % 8", "'%e' % 12345.678", "'%g' % 0.0001",
    "str(1e20)", "str(1/3)", "str(2.0)", "round(2.5)", "abs(-3)", "hex(255)", "ord('a')", "chr(98)",
    "'.'.join(map(str, [1, 2]))", "list(filter(None, ['a', '', 'b']))", "[x for x in 'abc' if x != 'b']",
    "{x: 1 for x in 'ab'}", "sum([1, 2])", "any([])", "all([])", "sorted('bca', reverse=True)", "list(reversed('ab'))",
    "'a b'.split(' ')", "'a  b'.split(' ')", "'\\n'.join(['x', 'y'])", "'é'.upper()", "len('é')", "'ß'.upper()",
    "'İ'.lower()", "'ǅ'.title()", "'x'.ljust(3) + '|'", "os.path.join('/a', '/b')", "os.path.join('a', '')",
    "os.path.basename('/a/b/')", "os.path.dirname('a')", "os.path.splitext('a.tar.gz')", "os.path.normpath('a//b/../c/.')",
    "os.path.splitext('.bashrc')", "os.path.join('a', 'b', 'c')", "os.path.isabs('a')", "os.path.relpath('/a/b', '/a')",
]
CASES.append({
    "name": "d_python_str_battery",
    "description": "Python expression results as ${@...} inserts them: str methods, % and format, numbers, containers, os.path",
    "tags": ["python", "expansion"],
    "conf": "".join('E%d = "${@%s}"\n' % (i, e.replace('"', '\\"')) for i, e in enumerate(STR_EXPRS)),
    "vars": ["E%d" % i for i in range(len(STR_EXPRS))],
})
CASES.append({
    "name": "d_overrides_feedback",
    "description": "OVERRIDES computed from variables that themselves have override variants: BitBake iterates to a fixed point",
    "tags": ["overrides", "python", "expansion"],
    "conf": (
        'OVERRIDES = "a:${SEL}:${@d.getVar(\'SEL2\')}"\nSEL = "b"\nSEL:a = "c"\nSEL2 = "x"\nSEL2:c = "y"\n'
        'V = "plain"\nV:b = "vb"\nV:c = "vc"\nV:y = "vy"\nW = "w"\nW:x = "wx"\nW:append:y = " wy"\n'
    ),
    "vars": ["OVERRIDES", "SEL", "SEL2", "V", "W"],
})
CASES.append({
    "name": "d_overrides_unstable",
    "description": "OVERRIDES that never settle (each choice selects the other) is fatal",
    "tags": ["overrides", "error"],
    "conf": 'OVERRIDES = "${SEL}"\nSEL = "p"\nSEL:p = "q"\nSEL:q = "p"\nV = "v"\n',
    "vars": ["V", "OVERRIDES"],
})
CASES.append({
    "name": "d_builtin_recipe_vars",
    "description": "variables BitBake itself sets while parsing a recipe in a layer with a bbappend",
    "tags": ["builtin", "recipe", "bbappend", "layers"],
    "conf": "",
    "files": {
        "conf/bblayers.conf": 'BBLAYERS = "${TOPDIR}/la"\n',
        "la/conf/layer.conf": LAYER_CONF % {"n": "la", "p": "5"} + 'BBFILES += "${LAYERDIR}/r/*.bb ${LAYERDIR}/r/*.bbappend"\n',
        "la/r/app_1.0.bb": 'inherit cl\nD = "${FILE_DIRNAME}"\n',
        "la/r/app_%.bbappend": 'AP = "${FILE}"\n',
        "classes/cl.bbclass": 'CL = "${FILE}"\n',
    },
    "recipe": "la/r/app_1.0.bb",
    "vars": ["FILE", "FILE_DIRNAME", "D", "AP", "CL", "__BBAPPEND", "__inherit_cache", "BB_CURRENT_MC",
             "BBFILES_PRIORITIZED", "FILE_LAYERNAME", "__BBHANDLERS", "__BBTASKS", "BBINCLUDED", "TOPDIR", "BB_WORKERCONTEXT",
             "__SKIPPED", "PN", "BUILDNAME", "BB_RUNTASK", "__BBDEFINEDEPS", "__BBANONFUNCS", "__BBINHERITDEFERRED", "__BBRECIPEFINALISE"],
})
CASES.append({
    "name": "d_tasks_inherit_odd",
    "description": "addtask/deltask with ${} names and commas, inherit of expressions, .bbclass suffixes and subdirectories, require ../, include_all in a recipe",
    "tags": ["tasks", "inherit", "include", "expansion", "recipe"],
    "conf": 'TN = "do_gen"\nCLS = "sub/deep two"\n',
    "files": {
        "classes/sub/deep.bbclass": 'DEEP = "deep"\n',
        "classes/two.bbclass": 'TWO = "${FILE}"\ndo_two () {\n\t:\n}\naddtask two\n',
        "classes/three.bbclass": 'THREE = "3"\n',
        "meta/recipes-demo/common.inc": 'COMMON = "common"\n',
        "conf/extra.conf": 'EXTRA += "x"\n',
        R: (
            'inherit ${CLS}\ninherit ${@\'three\'}\n'
            'require ../common.inc\n'
            'do_gen () {\n\t:\n}\ndo_k () {\n\t:\n}\ndo_m () {\n\t:\n}\n'
            'addtask ${TN} before do_build\naddtask k after ${TN}\naddtask m after do_k, before do_build\n'
            'deltask ${@\'do_two\'}\n'
        ),
    },
    "recipe": R,
    "vars": ["DEEP", "TWO", "THREE", "COMMON", "__BBTASKS", "do_gen[deps]", "do_k[deps]", "do_m[deps]", "do_build[deps]", "do_two[task]",
             "__inherit_cache"],
})
CASES.append({
    "name": "d_inherit_suffix",
    "description": "inherit naming the class with its .bbclass suffix and with a path",
    "tags": ["inherit", "recipe"],
    "conf": "",
    "files": {"classes/three.bbclass": 'THREE = "3"\n', "classes/sub/deep.bbclass": 'DEEP = "deep"\n',
              R: 'inherit three.bbclass\ninherit classes/sub/deep.bbclass\n'},
    "recipe": R,
    "vars": ["THREE", "DEEP", "__inherit_cache"],
})
CASES.append({
    "name": "d_include_all_recipe",
    "description": "include_all inside a recipe and a class",
    "tags": ["include", "recipe"],
    "conf": "",
    "base": "include_all conf/extra.conf\n",
    "files": {"conf/extra.conf": 'EXTRA += "x"\n',
              R: 'include_all conf/extra.conf\n'},
    "recipe": R,
    "vars": ["EXTRA"],
})
CASES.append({
    "name": "d_defs_odd",
    "description": "def blocks with decorators, blank lines, nested blocks and comments, python functions with overrides, functions used from ${@}",
    "tags": ["functions", "python", "recipe"],
    "conf": "",
    "files": {R: (
        'def plain(d):\n    x = 1\n\n    # comment\n    if x:\n        return "p%d" % x\n    return "n"\n\n'
        'def uses_other(d):\n    return plain(d) + "-o"\n'
        'A = "${@plain(d)}"\nB = "${@uses_other(d)}"\n'
        'python do_pyf () {\n    bb.note("a")\n}\n'
        'python do_pyf:append () {\n    bb.note("b")\n}\n'
        'python do_pyf:prepend () {\n    bb.note("c")\n}\n'
        'do_sh () {\n\techo 1\n}\ndo_sh:append () {\n\techo 2\n}\ndo_sh:prepend () {\n\techo 0\n}\n'
        'OVERRIDES = "o"\ndo_sh:o () {\n\techo override\n}\n'
        'def after_override(d):\n    return "late"\nC = "${@after_override(d)}"\n'
    )},
    "recipe": R,
    "vars": ["A", "B", "C", "do_pyf", "do_sh", "plain", "uses_other", "do_sh[func]", "plain[func]", "plain[python]"],
})
D_API = [
    "d.getVarFlags('X')", "sorted(d.getVarFlags('X'))", "d.getVarFlags('X', expand=['a'])", "'X' in d", "'NOPE' in d",
    "d.getVar('X', expand=False)", "d.getVar('W', noweakdefault=True)", "d.getVarFlag('W', '_defaultval')", "d.getVarFlag('X', '_content')",
    "d.getVarFlag('X', '_append')", "d.getVarFlag('X', '_remove')", "d.getVarFlag('X', 'export')", "d.getVar('X:o')",
    "d.getVar('__BBTASKS', False)", "d.getVar('__inherit_cache')", "d.getVarFlags('NOPE')", "d.getVarFlag('NOPE', 'x')",
    "type(d.getVar('__BBTASKS', False)).__name__", "d.getVar('X', False, True)",
    "bb.data.inherits_class('base', d)", "d.getVarFlag('X', 'a', expand=False)", "d.getVarFlag('X', 'a', True)",
    "d.getVarFlags('do_build')", "d.getVar('OVERRIDES')", "d.getVar('A') is None", "d.getVarFlag('B', 'doc')",
    "str(d.getVar('LIST_VAL'))", "d.getVar('INT_VAL') + 1", "d.getVarFlag('X', 'missing') or 'dflt'",
    "[k for k in sorted(d.keys()) if k.startswith('X')]",
]
CASES.append({
    "name": "d_python_datastore_api",
    "description": "the datastore API from ${@...}: getVarFlags (internal flags, expand lists), expandWithRefs, membership, internal flags, non-string values",
    "tags": ["python", "flags", "recipe"],
    "conf": "",
    "files": {R: (
        'OVERRIDES = "o"\nA = "a"\nX = "x ${A}"\nX[a] = "${A}"\nX[b] = "b"\nX:append = " app"\nX:remove = "zz"\nX:o = "xo"\nexport X\n'
        'W ??= "weak"\nXY = "1"\nX_Z = "2"\n'
        'python () {\n    d.setVar("LIST_VAL", ["p", "q"])\n    d.setVar("INT_VAL", 41)\n}\n'
        + "".join('E%d = "${@%s}"\n' % (i, e.replace('"', '\\"')) for i, e in enumerate(D_API))
    )},
    "recipe": R,
    "vars": ["E%d" % i for i in range(len(D_API))] + ["LIST_VAL", "INT_VAL"],
})
CASES.append({
    "name": "d_unset_remove_keyexpand_edges",
    "description": "unset of override names and of :append, :remove of words with ${@}, keys expanding to an existing name with flags and overrides, ${} keys in :remove",
    "tags": ["unset", "remove", "keyexpand", "overrides"],
    "conf": (
        'OVERRIDES = "o:p"\nN = "K"\n'
        'A = "a"\nA:o = "ao"\nA:o[doc] = "d"\n'
        'B = "b"\nB:append = " x"\nB:append[doc] = "d"\n'
        'C = "c1 c2"\nC:remove = "${@\'c1\'}"\nunset C[doc]\n'
        'K = "old"\nK[flag] = "kf"\n${N} = "new"\n${N}:append = " na"\n${N}[flag2] = "f2"\n'
        'L = "l1 l2 l3"\nL:remove = "${N}"\nK2 = "k2"\n${N}2:remove = "k2"\n'
        'M:o:p = "mop"\nM:p:o = "mpo"\nM = "m"\n'
        'P = "p1"\nP:remove:o = "p1"\nP:prepend:p = "pp "\n'
        'Q = "q"\nQ[vardeps] = "A"\nunset Q\nQ:append = "qa"\n'
        'R = "${@\' \'.join([\'r1\', \'r2\'])}"\nR:remove = "r1"\n'
        'S = "s"\nS:remove = ""\nS:append = " "\n'
        'T = " t1  t2 "\nT:remove = "t1"\n'
    ),
    "vars": ["A", "A:o", "A:o[doc]", "B", "B:append", "B:append[doc]", "C", "K", "K[flag]", "K[flag2]", "L", "K2", "M", "P", "Q", "Q[vardeps]", "R", "S", "T"],
})
CASES.append({
    "name": "d_pnpv_many_parts",
    "description": "a recipe file name with four _-separated parts: vars_from_file raises",
    "tags": ["pnpv", "error", "recipe"],
    "pnpv": True,
    "conf": "",
    "files": {"meta/recipes-demo/demo/demo_1_2_3.bb": 'A = "a"\n', R: 'B = "${PN}"\n'},
    "recipe": R,
    "vars": ["B", "PV"],
})
CASES.append({
    "name": "d_pnpv_many_parts_self",
    "description": "the recipe asked for has four _-separated parts in its name",
    "tags": ["pnpv", "error", "recipe"],
    "pnpv": True,
    "conf": "",
    "files": {"meta/recipes-demo/demo/demo_1_2_3.bb": 'A = "a"\nC = "c"\n'},
    "recipe": "meta/recipes-demo/demo/demo_1_2_3.bb",
    "vars": ["A", "PN", "C"],
})
