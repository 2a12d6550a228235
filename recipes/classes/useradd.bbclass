# Users and groups a package needs, created at rootfs time by its preinst (with the host's
# useradd/groupadd --root $D; on the target, when $D is empty, the target's own). For each
# package in USERADD_PACKAGES, GROUPADD_PARAM:<pkg> and USERADD_PARAM:<pkg> hold
# ';'-separated groupadd/useradd arguments. Give IDs (-g, -u) to get the same IDs on every
# build and every device; without them the IDs follow the install order, which tsbake
# keeps the same from build to build.
USERADD_PACKAGES ?= "${PN}"

# The preinst's helper: creates each account of a ';'-separated list unless it exists.
tsbake_account() {
	db="$1"
	tool="$2"
	echo "$3" | tr ';' '\n' | while read -r line; do
		[ -n "$line" ] || continue
		name="$(echo "$line" | awk '{ print $NF }')"
		if grep -q "^$name:" "$D/etc/$db" 2>/dev/null; then
			continue
		fi
		if [ -n "$D" ]; then
			eval "$tool --root \"$D\" $line"
		else
			eval "$tool $line"
		fi
	done
}

python () {
    for pkg in (d.getVar('USERADD_PACKAGES') or '').split():
        groups = d.getVar('GROUPADD_PARAM:' + pkg) or ''
        users = d.getVar('USERADD_PARAM:' + pkg) or ''
        if not groups and not users:
            continue
        body = 'tsbake_account() {\n' + d.getVar('tsbake_account', False) + '\n}\n'
        body += "tsbake_account group groupadd '%s'\n" % groups if groups else ''
        body += "tsbake_account passwd useradd '%s'\n" % users if users else ''
        d.setVar('pkg_preinst:' + pkg, body + (d.getVar('pkg_preinst:' + pkg, False) or ''))
        d.appendVar('RDEPENDS:' + pkg, ' base-passwd')
}
