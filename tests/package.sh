# tests/package.sh -- the Debian package: built, linted, installed, upgraded,
# removed and purged in a throw-away root.
#
# Builds the package as `make deb` does (debian/, dpkg-buildpackage) and
# checks its file list, conffiles, dependencies, unit and maintainer
# scripts, and that lintian reports no error and no warning (every
# override with a reason). Then, in a chroot (a minbase debootstrap of
# this machine's Debian release with the package's dependencies, cached
# under $CLAMSHIM_CHROOT_CACHE, default /var/cache/clamshim-test, made
# again after a week or when the dependencies change; each run works on an
# overlay of it), with a policy-rc.d that logs and refuses every service
# start and a /run/systemd/system that makes the maintainer scripts act
# as on a systemd host:
#   install with apt-get install ./clamshim_VERSION_ARCH.deb: the unit is
#   enabled and its start asked for; clamshim -t passes on the installed
#   /etc/clamshim.conf; the installed daemon, run as the unit runs it,
#   serves with no signatures at all (a message gets tempfail) and
#   check_clamshim reads its status file;
#   upgrade to a rebuilt package with a higher version: the edited
#   conffile is kept, no prompt, a restart asked for; a reinstall with a
#   broken configuration asks for no restart and says why;
#   remove: the stop asked for, the conffile kept; purge: the chroot holds
#   exactly the files it held before the install, the clamav user too.
# Skipped (77) in a sanitizer build, when not root, on a machine without
# dpkg-buildpackage, and when no chroot is cached and none can be made.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
grep -q -- '-fsanitize=' "$top_builddir/Makefile" 2>/dev/null &&
	t_skip "a sanitizer build: the package is built and tested in the normal build"
[ "$(id -u)" = 0 ] || t_skip "needs root (chroot, mount)"
command -v dpkg-buildpackage >/dev/null 2>&1 || t_skip "not a Debian system: no dpkg-buildpackage"
MAKE=${MAKE:-make}
MTSEND=${MTSEND:-$top_builddir/tests/mtsend}
t_need "$top_builddir/Makefile" "$MAKE" dh lintian debootstrap chroot mount "$MTSEND"
CACHE=${CLAMSHIM_CHROOT_CACHE:-/var/cache/clamshim-test}
t_setup
R=$T/root
MOUNTS=
pkg_cleanup() {	# stop the daemon, unmount (innermost first), then the usual cleanup
	[ -n "${DAEMON_PID:-}" ] && kill "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null
	for m in $MOUNTS; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
	for m in $MOUNTS; do
		if mountpoint -q "$m" 2>/dev/null; then echo "still mounted: $m: keeping $T" >&2; KEEP=1; fi
	done
	t_cleanup
}
trap pkg_cleanup EXIT
t0=$(date +%s)
lap() { echo "time: $1 $(( $(date +%s) - t0 )) s"; t0=$(date +%s); }

# ---- build ----
"$MAKE" -C "$top_builddir" deb DEB_BUILD_DIR="$T/deb" > "$T/build.out" 2>&1 ||
	{ tail -40 "$T/build.out"; t_fail "make deb failed"; }
lap "build (make deb)"
D=$T/deb
deb=$(ls "$D"/clamshim_*.deb 2>/dev/null | head -1)
[ -f "$deb" ] || t_fail "make deb made no clamshim_*.deb: $(ls "$D")"
ver=$(dpkg-deb -f "$deb" Version)
arch=$(dpkg-deb -f "$deb" Architecture)
src=$(ls -d "$D"/clamshim-*/ | head -1)
ok "built $(basename "$deb")"

# ---- the package's contents ----
dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' > "$T/files"
for f in /usr/sbin/clamshim /usr/sbin/check_clamshim /usr/share/man/man8/clamshim.8.gz \
	 /usr/share/man/man8/check_clamshim.8.gz /usr/share/man/man5/clamshim.conf.5.gz \
	 /etc/clamshim.conf /lib/systemd/system/clamshim.service \
	 /usr/sbin/clamshim-release /usr/share/man/man8/clamshim-release.8.gz \
	 /lib/systemd/system/clamshim-release.service /lib/systemd/system/clamshim-release.timer \
	 /usr/share/doc/clamshim/copyright /usr/share/doc/clamshim/changelog.gz \
	 /usr/share/doc/clamshim/README.md /usr/share/doc/clamshim/examples/clamshim-postfix.conf \
	 /usr/share/doc/clamshim/examples/clamshim.conf /usr/share/doc/clamshim/examples/clamshim.rules.yml; do
	grep -qx "$f" "$T/files" && ok "holds $f" || notok "does not hold $f"
done
# every file has a place Debian expects: no /usr/local, no build paths
odd=$(grep -v '/$' "$T/files" | grep -vE '^(/usr/sbin/[^/]+|/usr/bin/[^/]+|/usr/share/man/man[1-8]/[^/]+\.[1-8]\.gz|/usr/share/doc/clamshim/.+|/lib/systemd/system/clamshim[^/]*\.(service|socket|timer)|/etc/clamshim\.conf)$')
[ -z "$odd" ] && ok "no file in an unexpected place" || notok "files in unexpected places: $odd"
# every program has its man page
for p in $(grep -E '^/usr/s?bin/[^/]+$' "$T/files"); do
	n=$(basename "$p")
	grep -qE "^/usr/share/man/man[18]/$n\.[18]\.gz$" "$T/files" && ok "man page for $n" || notok "no man page for $n"
done
dpkg-deb -e "$deb" "$T/ctl" || t_fail "dpkg-deb -e"
[ "$(cat "$T/ctl/conffiles")" = /etc/clamshim.conf ] && ok "conffiles: /etc/clamshim.conf" ||
	notok "conffiles: $(cat "$T/ctl/conffiles" 2>/dev/null)"
deps=$(dpkg-deb -f "$deb" Depends)
case ", $deps," in *", clamav-base,"*|*", clamav-base "*) ok "depends on clamav-base (the clamav user)" ;;
	*) notok "no dependency on clamav-base: $deps" ;; esac
dpkg-deb --fsys-tarfile "$deb" | tar -xO ./lib/systemd/system/clamshim.service > "$T/unit"
grep -qx 'ExecStart=/usr/sbin/clamshim -f -c /etc/clamshim.conf' "$T/unit" && ok "unit: ExecStart names the installed paths" ||
	notok "unit: $(grep ExecStart "$T/unit")"
grep -q '@[a-z]*@' "$T/unit" && notok "unit: a placeholder is left: $(grep '@[a-z]*@' "$T/unit")"
grep -qx 'User=clamav' "$T/unit" && ok "unit: User=clamav" || notok "unit: no User=clamav"
# maintainer scripts: sh, set -e, enable on install, no start without the
# configuration check, nothing that deletes a user or more than the unit's links
for s in postinst prerm postrm; do
	[ -f "$T/ctl/$s" ] || { notok "no $s"; continue; }
	sh -n "$T/ctl/$s" && ok "$s: sh -n" || notok "$s: sh -n"
	grep -qx 'set -e' "$T/ctl/$s" || notok "$s: no set -e"
	grep -nE 'deluser|userdel|delgroup|groupdel|rm -r' "$T/ctl/$s" && notok "$s removes users or trees"
done
grep -q "deb-systemd-helper enable 'clamshim.service'" "$T/ctl/postinst" && ok "postinst enables the unit" ||
	notok "postinst does not enable the unit"
[ "$(grep -c 'deb-systemd-invoke.* clamshim.service' "$T/ctl/postinst")" = 1 ] && grep -q 'clamshim -t -c /etc/clamshim.conf' "$T/ctl/postinst" &&
	ok "postinst starts the unit once, after clamshim -t" || notok "postinst: start not guarded by clamshim -t: $(grep -n 'deb-systemd-invoke\|clamshim -t' "$T/ctl/postinst")"
grep -q 'deb-systemd-invoke stop clamshim.service' "$T/ctl/prerm" && ok "prerm stops the unit" ||
	notok "prerm does not stop the unit"
grep -q "deb-systemd-helper purge .*'clamshim.service'" "$T/ctl/postrm" && ok "postrm purges the unit's links" ||
	notok "postrm does not purge the unit's links"
[ -e "$T/ctl/preinst" ] && notok "a preinst (nothing needs one): $(cat "$T/ctl/preinst")"

# ---- lintian ----
lintian --fail-on error,warning -I "$D"/clamshim_"$ver"_"$arch".changes > "$T/lintian.out" 2>&1
lrc=$?
sed 's/^/lintian| /' "$T/lintian.out"
[ "$lrc" -eq 0 ] && ok "lintian: no error, no warning" || notok "lintian exit $lrc"
for o in "$top_srcdir"/debian/*lintian-overrides; do
	[ -f "$o" ] || continue
	awk '/^#/ { why = 1; next } /^[ \t]*$/ { why = 0; next } { if (!why) { print FILENAME ": " $0; bad = 1 } why = 0 } END { exit bad }' "$o" &&
		ok "every override in $(basename "$o") has a reason above it" || notok "overrides without a reason"
done
lap "contents and lintian"

# ---- the throw-away root ----
suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ -n "$suite" ] || t_skip "no VERSION_CODENAME in /etc/os-release: cannot pick a suite"
mirror=${CLAMSHIM_TEST_MIRROR:-$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
	sed -n -e 's|^URIs:[[:space:]]*\(https\{0,1\}://[^[:space:]]*/debian\)/\{0,1\}[[:space:]]*$|\1|p' \
	       -e 's|^deb[[:space:]]\{1,\}\(https\{0,1\}://[^[:space:]]*/debian\)/\{0,1\}[[:space:]].*|\1|p' | head -1)}
: "${mirror:=http://deb.debian.org/debian}"
# the package's dependencies, without versions or alternatives
incl=$(printf '%s\n' "$deps" | tr ',' '\n' | sed 's/[(|].*//; s/[[:space:]]//g' | grep . | sort -u | tr '\n' ',' | sed 's/,$//')
key=$(printf '%s\n' "$suite" "$mirror" "$incl" | md5sum | cut -c1-12)
base=$CACHE/chroot-$suite-$key
mkdir -p "$CACHE" || t_fail "mkdir $CACHE"
(
	flock 9 || exit 1
	find "$CACHE" -maxdepth 1 -name 'chroot-*' -type d ! -name '*.new' -mtime +7 -exec rm -rf {} + 2>/dev/null
	[ -f "$base/.complete" ] && exit 0
	echo "making the chroot $base: debootstrap --variant=minbase --include=$incl $suite $mirror"
	rm -rf "$base" "$base.new"
	if ! debootstrap --variant=minbase --include="$incl" "$suite" "$base.new" "$mirror" > "$CACHE/debootstrap.log" 2>&1; then
		tail -15 "$CACHE/debootstrap.log"; rm -rf "$base.new"; exit 3
	fi
	mv "$base.new" "$base" && touch "$base/.complete"
) 9>"$CACHE/lock"
case $? in
0) ;;
3) t_skip "no chroot cached in $CACHE and debootstrap from $mirror failed (network?)" ;;
*) t_fail "making the chroot failed" ;;
esac
lap "chroot ready ($base)"
mkdir -p "$T/upper" "$T/work" "$R"
if mount -t overlay overlay -o "lowerdir=$base,upperdir=$T/upper,workdir=$T/work" "$R" 2>/dev/null; then
	MOUNTS="$R"
else
	echo "no overlayfs here: copying the chroot"
	cp -a "$base/." "$R/" || t_fail "copying the chroot"
fi
mount -t proc proc "$R/proc" || t_fail "mount proc"
MOUNTS="$R/proc $MOUNTS"
# every service start the maintainer scripts ask for is logged and refused
cat > "$R/usr/sbin/policy-rc.d" <<'EOF'
#!/bin/sh
echo "$*" >> /var/log/policy-rc.log
exit 101
EOF
chmod 755 "$R/usr/sbin/policy-rc.d"
: > "$R/var/log/policy-rc.log"
mkdir -p "$R/run/systemd/system" "$R/tmp/pkg"
in_root() { chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"; }
# snapshot: what the root holds before the package
snap() { (cd "$R" && find . -xdev \( -path ./proc -o -path ./var/lib/dpkg -o -path ./var/cache/apt -o -path ./var/cache/debconf \
	-o -path ./var/lib/apt -o -path ./var/log -o -path ./tmp -o -path ./run \) -prune -o -print | sort); }
snap > "$T/before"
policy_log() { cat "$R/var/log/policy-rc.log"; }

# ---- install ----
cp "$deb" "$R/tmp/pkg/" || t_fail "copy the package into the root"
in_root apt-get -o Dpkg::Use-Pty=0 install -y --no-install-recommends "/tmp/pkg/$(basename "$deb")" < /dev/null > "$T/install.out" 2>&1 ||
	{ tail -30 "$T/install.out"; t_fail "apt-get install ./$(basename "$deb") failed"; }
[ "$(in_root dpkg-query -W -f='${Status} ${Version}' clamshim)" = "install ok installed $ver" ] &&
	ok "installed $ver with apt-get install ./$(basename "$deb")" || notok "not installed: $(in_root dpkg-query -W clamshim 2>&1)"
[ "$(readlink "$R/etc/systemd/system/multi-user.target.wants/clamshim.service")" = /lib/systemd/system/clamshim.service ] &&
	ok "the unit is enabled" || notok "the unit is not enabled"
grep -qx 'clamshim.service start' "$R/var/log/policy-rc.log" && ok "postinst asked to start clamshim (refused here)" ||
	notok "postinst did not ask to start clamshim: $(policy_log)"
grep -qx 'clamshim-release.timer start' "$R/var/log/policy-rc.log" &&
	ok "postinst asked to start clamshim-release.timer" ||
	notok "postinst did not ask to start clamshim-release.timer: $(policy_log)"
in_root clamshim -t -c /etc/clamshim.conf > "$T/t.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && ok "clamshim -t on the installed /etc/clamshim.conf: exit 0" || { notok "clamshim -t: exit $rc"; cat "$T/t.out"; }
in_root clamshim -V > "$T/v.out" 2>&1 && grep -q '^clamshim ' "$T/v.out" && ok "clamshim -V: $(head -1 "$T/v.out")" ||
	{ notok "clamshim -V"; cat "$T/v.out"; }
in_root getent passwd clamav > /dev/null && ok "user clamav exists (clamav-base)" || notok "no user clamav"
lap "install"

# ---- the installed daemon serves, as the unit runs it, with no signatures ----
uid=$(in_root id -u clamav) gid=$(in_root id -g clamav)
install -d -o "$uid" -g "$gid" -m 0755 "$R/run/clamshim"
: > "$T/daemon.log"
t_bg chroot --userspec="$uid:$gid" --groups="$gid" "$R" env -i PATH=/usr/sbin:/usr/bin /usr/sbin/clamshim -f -c /etc/clamshim.conf 2>>"$T/daemon.log"
DAEMON_PID=$!
t_wait_for 60 test -S "$R/run/clamshim/clamshim.sock" || { cat "$T/daemon.log"; t_fail "the installed daemon opened no socket"; }
t_msg "$T/clean.eml"
"$MTSEND" "unix:$R/run/clamshim/clamshim.sock" "$T/clean.eml" > "$T/send.out" 2>&1
grep -q '^decision=tempfail' "$T/send.out" && ok "no signatures: a message gets tempfail (on_unavailable)" ||
	{ notok "no tempfail: $(cat "$T/send.out")"; cat "$T/daemon.log"; }
t_wait_for 30 test -s "$R/run/clamshim/metrics.prom" || notok "no status file"
in_root check_clamshim -s /run/clamshim/metrics.prom > "$T/check.out" 2>&1
rc=$?
[ "$rc" -eq 2 ] && grep -q 'CRITICAL' "$T/check.out" && ok "check_clamshim: CRITICAL (exit 2) with no scanner: $(cut -c1-100 "$T/check.out")" ||
	notok "check_clamshim exit $rc: $(cat "$T/check.out")"
t_stop_pid "$DAEMON_PID"
DAEMON_PID=
rm -rf "$R/run/clamshim"	# RuntimeDirectory= goes when the service stops
lap "the installed daemon"

# ---- upgrade to a rebuilt package, the edited conffile kept ----
sed -i 's/^log_level .*/log_level       = "debug"                 # edited by the package test/' "$R/etc/clamshim.conf"
cp "$R/etc/clamshim.conf" "$T/edited.conf"
ver2="$ver+pkgtest1"
{ printf 'clamshim (%s) unstable; urgency=medium\n\n  * Rebuilt by tests/package.sh.\n\n -- %s  %s\n\n' \
	"$ver2" "$(sed -n 's/^ -- \(.*>\)  .*/\1/p' "$src/debian/changelog" | head -1)" "$(date -R)"
  cat "$src/debian/changelog"; } > "$T/changelog" && cp "$T/changelog" "$src/debian/changelog"
(cd "$src" && dpkg-buildpackage -us -uc -b -nc) > "$T/build2.out" 2>&1 || { tail -30 "$T/build2.out"; t_fail "the rebuild failed"; }
deb2=$D/clamshim_${ver2}_$arch.deb
[ -f "$deb2" ] || t_fail "the rebuild made no $deb2"
cp "$deb2" "$R/tmp/pkg/"
: > "$R/var/log/policy-rc.log"
in_root apt-get -o Dpkg::Use-Pty=0 install -y --no-install-recommends "/tmp/pkg/$(basename "$deb2")" < /dev/null > "$T/upgrade.out" 2>&1 ||
	{ tail -30 "$T/upgrade.out"; t_fail "the upgrade failed"; }
[ "$(in_root dpkg-query -W -f='${Version}' clamshim)" = "$ver2" ] && ok "upgraded to $ver2" || notok "not upgraded"
cmp -s "$T/edited.conf" "$R/etc/clamshim.conf" && ok "the edited /etc/clamshim.conf is kept" || notok "the edited conffile changed"
left=$(ls "$R"/etc/clamshim.conf.* 2>/dev/null)
[ -z "$left" ] && ok "no conffile prompt, no .dpkg-* copy" || notok "conffile copies: $left"
grep -qx 'clamshim.service restart' "$R/var/log/policy-rc.log" && ok "postinst asked to restart clamshim" ||
	notok "no restart asked for: $(policy_log)"
# a configuration that clamshim would refuse: no (re)start
echo 'policy { on_infected = "nonsense" }' >> "$R/etc/clamshim.conf"
: > "$R/var/log/policy-rc.log"
in_root apt-get -o Dpkg::Use-Pty=0 install -y --no-install-recommends --reinstall "/tmp/pkg/$(basename "$deb2")" < /dev/null > "$T/reinstall.out" 2>&1 ||
	{ tail -30 "$T/reinstall.out"; notok "the reinstall failed"; }
[ ! -s "$R/var/log/policy-rc.log" ] && ok "a broken configuration: no restart asked for" || notok "restart asked with a broken config: $(policy_log)"
sed -n 's/^/postinst| /; /clamshim/p' "$T/reinstall.out"
grep -q 'has errors: clamshim not (re)started' "$T/reinstall.out" && ok "postinst says why it did not restart" ||
	{ notok "postinst did not say why"; tail -10 "$T/reinstall.out"; }
cp "$T/edited.conf" "$R/etc/clamshim.conf"
lap "upgrade"

# ---- remove, purge ----
: > "$R/var/log/policy-rc.log"
in_root apt-get -o Dpkg::Use-Pty=0 remove -y clamshim < /dev/null > "$T/remove.out" 2>&1 || { tail -20 "$T/remove.out"; notok "apt-get remove failed"; }
grep -qx 'clamshim.service stop' "$R/var/log/policy-rc.log" && ok "prerm asked to stop clamshim" || notok "no stop asked for: $(policy_log)"
[ ! -e "$R/usr/sbin/clamshim" ] && [ -f "$R/etc/clamshim.conf" ] && ok "remove: the programs gone, the conffile kept" ||
	notok "remove: $(ls -l "$R/usr/sbin/clamshim" "$R/etc/clamshim.conf" 2>&1)"
in_root dpkg --purge clamshim > "$T/purge.out" 2>&1 || { cat "$T/purge.out"; notok "dpkg --purge failed"; }
[ -z "$(in_root dpkg-query -W -f='${Status}' clamshim 2>/dev/null | grep -v 'not-installed')" ] && ok "purged" ||
	notok "still known to dpkg: $(in_root dpkg-query -W -f='${Status}' clamshim)"
snap > "$T/after"
d=$(diff "$T/before" "$T/after")
[ -z "$d" ] && ok "purge: the root holds exactly the files it held before the install" || notok "purge left or took: $d"
in_root getent passwd clamav > /dev/null && ok "purge leaves the user clamav (clamav-base's)" || notok "the user clamav is gone"
ls "$R/var/lib/systemd/deb-systemd-helper-enabled" 2>/dev/null | grep -q clamshim && notok "deb-systemd-helper state left"
lap "remove and purge"
echo "$fails failed"
[ "$fails" -eq 0 ]
