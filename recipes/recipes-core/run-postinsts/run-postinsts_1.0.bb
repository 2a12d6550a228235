SUMMARY = "Runs the postinsts deferred to first boot (/etc/<deb|ipk|rpm>-postinsts/NNN-<pkg>)"
LICENSE = "MIT"
inherit allarch
FILES:${PN} = "${sbindir} ${sysconfdir}"

do_install() {
	install -d ${D}${sbindir} ${D}${sysconfdir}/rcS.d
	cat > ${D}${sbindir}/run-postinsts <<'END'
#!/bin/sh
# Runs the postinsts that were deferred to first boot, in their numbered order. Each one that
# succeeds is removed and, when the image has a package database, its package is marked
# installed there; one that fails stays for the next boot.
status=0
mark_installed() {
	db="$1"
	[ -f "$db" ] || return 0
	awk -v pkg="$2" '/^Package: / { cur = substr($0, 10) }
/^Status: / && cur == pkg { sub(/ unpacked$/, " installed") }
{ print }' "$db" > "$db.tmp" && mv "$db.tmp" "$db"
	}
for fmt in deb ipk rpm; do
	dir=/etc/$fmt-postinsts
	[ -d "$dir" ] || continue
	for script in $(ls "$dir"); do
		pkg="${script#*-}"
		echo "run-postinsts: configuring $pkg"
		if "$dir/$script"; then
			rm -f "$dir/$script"
			case "$fmt" in
			deb) mark_installed /var/lib/dpkg/status "$pkg" ;;
			ipk) mark_installed /var/lib/opkg/status "$pkg" ;;
			esac
		else
			echo "run-postinsts: the postinst of $pkg failed; it will run again at the next boot" >&2
			status=1
		fi
	done
	rmdir "$dir" 2>/dev/null || true
done
exit $status
END
	chmod 0755 ${D}${sbindir}/run-postinsts
	ln -s ../../usr/sbin/run-postinsts ${D}${sysconfdir}/rcS.d/S99run-postinsts
}
