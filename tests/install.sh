# tests/install.sh -- make install puts everything where it belongs, and
# make uninstall takes it all away again.
#
# Installs this build tree with DESTDIR into a temp dir and checks: the
# daemon, the check plugin and clamshim-release in $(sbindir), the man pages
# in their sections, the sample config and the MTA snippets in $(docdir), the
# systemd units (clamshim, clamshim-release and its timer) in
# $(prefix)/lib/systemd/system with ExecStart naming the installed programs
# and the config in $(sysconfdir); the installed daemon runs (-V, and -t on
# the installed sample config). Then uninstall leaves no file behind.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
MAKE=${MAKE:-make}
t_need "$top_builddir/Makefile" "$MAKE"
t_setup
fails=0
D=$T/inst
"$MAKE" -C "$top_builddir" install DESTDIR="$D" > "$T/install.out" 2>&1 ||
	{ tail -30 "$T/install.out"; t_fail "make install failed"; }
# the configured directories, as make expands them
for v in prefix sbindir sysconfdir mandir docdir; do
	val=$(env MAKEFLAGS= MFLAGS= "$MAKE" -s -C "$top_builddir" --no-print-directory -f Makefile -f - print-$v 2>/dev/null <<EOF
print-$v:
	@echo \$($v)
EOF
)
	[ -n "$val" ] || t_fail "cannot read $v from the Makefile"
	eval "$v=\$val"
done
echo "prefix=$prefix sbindir=$sbindir sysconfdir=$sysconfdir mandir=$mandir docdir=$docdir"
for f in "$sbindir/clamshim" "$sbindir/check_clamshim" "$sbindir/clamshim-release"; do
	[ -x "$D$f" ] && ok "installed $f" || notok "missing program $f"
done
for f in "$mandir/man8/clamshim.8" "$mandir/man8/check_clamshim.8" "$mandir/man5/clamshim.conf.5" \
	 "$docdir/clamshim.conf" "$docdir/README.md" "$docdir/postfix-main.cf" "$docdir/sendmail.mc" \
	 "$docdir/clamshim-postfix.conf" "$prefix/lib/systemd/system/clamshim.service" \
	 "$mandir/man8/clamshim-release.8" "$prefix/lib/systemd/system/clamshim-release.timer" \
	 "$prefix/lib/systemd/system/clamshim-release.service"; do
	[ -f "$D$f" ] && ok "installed $f" || notok "missing $f"
done
unit=$D$prefix/lib/systemd/system/clamshim.service
if [ -f "$unit" ]; then
	want="ExecStart=$sbindir/clamshim -f -c $sysconfdir/clamshim.conf"
	grep -qx "$want" "$unit" && ok "unit: $want" || notok "unit: no line $want: $(grep ExecStart "$unit")"
	grep -q '@[a-z]*@' "$unit" && notok "unit: placeholder left: $(grep '@[a-z]*@' "$unit")"
fi
unit=$D$prefix/lib/systemd/system/clamshim-release.service
if [ -f "$unit" ]; then
	grep -q "^ExecStart=$sbindir/clamshim-release -c $sysconfdir/clamshim.conf " "$unit" &&
		ok "release unit: ExecStart with the installed paths" ||
		notok "release unit: $(grep ExecStart "$unit")"
fi
"$D$sbindir/clamshim" -V > "$T/v.out" 2>&1 && grep -q '^clamshim ' "$T/v.out" && ok "installed clamshim -V runs" ||
	{ notok "installed clamshim -V"; cat "$T/v.out"; }
# the sample config as shipped passes -t (warnings only for paths of this machine are not expected)
"$D$sbindir/clamshim" -t -c "$D$docdir/clamshim.conf" > "$T/t.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && ok "installed sample config: clamshim -t exits 0" || { notok "clamshim -t on the sample: exit $rc"; cat "$T/t.out"; }
"$MAKE" -C "$top_builddir" uninstall DESTDIR="$D" > "$T/uninstall.out" 2>&1 || notok "make uninstall failed"
left=$(find "$D" -type f -o -type l | sed "s|^$D||")
[ -z "$left" ] && ok "make uninstall removes every installed file" || notok "left after uninstall: $left"
echo "$fails failed"
[ "$fails" -eq 0 ]
