# Users and groups a package needs, created at rootfs time by its preinst in $D/etc/passwd,
# group, shadow and gshadow (on the target, when $D is empty, in /etc). For each package in
# USERADD_PACKAGES, GROUPADD_PARAM:<pkg> and USERADD_PARAM:<pkg> hold ';'-separated
# groupadd/useradd arguments; -u/-g (IDs, or a group name for useradd), -d and -s are used,
# -r/-m/-M/-N/-U are accepted and ignored. Give IDs to get the same IDs on every build and
# every device; without them an account gets the next free ID from 1000, and tsbake keeps the
# install order, so that too is the same from build to build. The shell is written here
# rather than calling the host's useradd, which needs root to work on another root.
USERADD_PACKAGES ?= "${PN}"

# The preinst's helper: creates each account of a ';'-separated list unless it exists.
tsbake_account() {
	db="$1"
	echo "$2" | tr ';' '\n' | while read -r line; do
		[ -n "$line" ] || continue
		set -- $line
		id=""
		group=""
		home="/"
		shell="/bin/false"
		while [ $# -gt 1 ]; do
			case "$1" in
			-u|--uid) id="$2"; shift 2 ;;
			-g|--gid) if [ "$db" = group ]; then id="$2"; else group="$2"; fi; shift 2 ;;
			-d|--home-dir) home="$2"; shift 2 ;;
			-s|--shell) shell="$2"; shift 2 ;;
			-c|--comment|-G|--groups|-K|-e|-f|-p|--password) shift 2 ;;
			*) shift ;;
			esac
		done
		name="$1"
		# A root without account files yet (base-passwd normally comes first) gets empty ones.
		mkdir -p "$D/etc"
		[ -f "$D/etc/$db" ] || : > "$D/etc/$db"
		if grep -q "^$name:" "$D/etc/$db"; then
			continue
		fi
		if [ -z "$id" ]; then
			id=$(awk -F: 'BEGIN { m = 999 } $3 > m && $3 < 60000 { m = $3 } END { print m + 1 }' "$D/etc/$db")
		fi
		now="$SOURCE_DATE_EPOCH"
		[ -n "$now" ] || now=$(date +%s)
		days=$((now / 86400))
		if [ "$db" = group ]; then
			echo "$name:x:$id:" >> "$D/etc/group"
			if [ -f "$D/etc/gshadow" ]; then echo "$name:!::" >> "$D/etc/gshadow"; fi
		else
			case "$group" in
			"") gid="$id" ;;
			*[!0-9]*) gid=$(awk -F: -v g="$group" '$1 == g { print $3 }' "$D/etc/group") ;;
			*) gid="$group" ;;
			esac
			echo "$name:x:$id:$gid::$home:$shell" >> "$D/etc/passwd"
			if [ -f "$D/etc/shadow" ]; then echo "$name:!:$days:0:99999:7:::" >> "$D/etc/shadow"; fi
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
        body += "tsbake_account group '%s'\n" % groups if groups else ''
        body += "tsbake_account passwd '%s'\n" % users if users else ''
        d.setVar('pkg_preinst:' + pkg, body + (d.getVar('pkg_preinst:' + pkg, False) or ''))
        d.appendVar('RDEPENDS:' + pkg, ' base-passwd')
}
