# tests/service.sh -- the systemd unit: it verifies, and the daemon works in
# its sandbox, tells "systemd" READY/STATUS/RELOADING/STOPPING and pings the
# watchdog.
#
# 1. systemd-analyze verify of the unit made from contrib/clamshim.service.in
#    (ExecStart pointed at the built binary, man pages from man/); skipped,
#    with a note, when systemd-analyze is missing -- the rest still runs.
# 2. No systemd as PID 1 is needed for the rest: the unit's sandbox is
#    rebuilt with the kernel features it maps to, in a private mount
#    namespace (unshare -m): ProtectSystem=strict (/ read-only),
#    PrivateTmp= (fresh /tmp, /var/tmp), ProtectHome= (empty /home, /root),
#    RuntimeDirectory= (/run/clamshim owned by User=), User=/Group=,
#    NoNewPrivileges= and an empty CapabilityBoundingSet= (setpriv). The
#    daemon runs with contrib/clamshim.conf as shipped, only the database
#    path changed, and NOTIFY_SOCKET/WATCHDOG_USEC set as systemd sets them;
#    tests/notifyrecv plays systemd's notify socket. A miltertest probe checks
#    that it scans (clean accepted and tagged, EICAR 550). Not rebuilt here:
#    SystemCallFilter=, RestrictAddressFamilies= and the Protect*= kernel
#    knobs (seccomp and kernel-side policy need systemd itself).
# 3. -f with $JOURNAL_STREAM naming stderr writes nothing to stderr (the
#    journal reads syslog too), and without it logs to stderr.
# Needs root (mount namespace, setpriv); skips (77) without it.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
NOTIFYRECV=${NOTIFYRECV:-$top_builddir/tests/notifyrecv}
t_need "$CLAMSHIM" "$MILTERTEST" "$NOTIFYRECV" "$MTSEND" unshare setpriv mount
[ "$(id -u)" = 0 ] || t_skip "a private mount namespace and setpriv need root"
t_setup
UNIT_IN=$top_srcdir/contrib/clamshim.service.in
CONF_IN=$top_srcdir/contrib/clamshim.conf
fails=0
SVC_USER=$(sed -n 's/^User=//p' "$UNIT_IN")
SVC_GROUP=$(sed -n 's/^Group=//p' "$UNIT_IN")
id "$SVC_USER" >/dev/null 2>&1 || t_skip "no user $SVC_USER (User= of the unit) on this machine"

# ---- 1. systemd-analyze verify
sed -e "s|@sbindir@/clamshim|$CLAMSHIM|" -e "s|@sysconfdir@|$T|" "$UNIT_IN" > "$T/clamshim.service"
grep -q '@[a-z]*@' "$T/clamshim.service" && notok "unit: a placeholder is left: $(grep '@[a-z]*@' "$T/clamshim.service")"
for d in Type=notify RuntimeDirectory=clamshim NoNewPrivileges=yes ProtectSystem=strict \
	 ProtectHome=yes PrivateTmp=yes CapabilityBoundingSet= RestrictAddressFamilies= \
	 SystemCallFilter=@system-service WatchdogSec= ; do
	grep -q "^$d" "$T/clamshim.service" && ok "unit has $d" || notok "unit lacks $d"
done
if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir -p "$T/man/man5" "$T/man/man8"
	ln -s "$top_srcdir/man/clamshim.8" "$T/man/man8/clamshim.8"
	ln -s "$top_srcdir/man/clamshim.conf.5" "$T/man/man5/clamshim.conf.5"
	if command -v man >/dev/null 2>&1; then manopt=; else manopt=--man=no; fi
	(cd "$T" && MANPATH=$T/man systemd-analyze verify $manopt ./clamshim.service) > "$T/verify.out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && ! grep -q 'clamshim.service' "$T/verify.out"; then
		ok "systemd-analyze verify: no complaint"
	else
		notok "systemd-analyze verify (exit $rc):"; sed 's/^/    /' "$T/verify.out"
	fi
else
	echo "note: systemd-analyze not installed: unit verification skipped"
fi

# ---- 2. the daemon in the unit's sandbox
if ! grep -q '^#define HAVE_LIBSYSTEMD 1' "$top_builddir/config.h" 2>/dev/null; then
	[ "$fails" -eq 0 ] || exit 1
	t_skip "built without libsystemd (configure found none, or --without-systemd): the unit's Type=notify needs it; unit checks above passed"
fi
t_mkdb "$T/db"
mkdir "$T/out"
chmod 755 "$T/db" "$T/out"
sed -e "s|^\( *database *= *\)\"[^\"]*\"|\1\"/run/test/db\"|" "$CONF_IN" > "$T/clamshim.conf"
grep -q '"/run/test/db"' "$T/clamshim.conf" || t_fail "could not set the database in the sample config"
for k in socket pid_file; do
	v=$(sed -n "s/^$k *= *\"\([^\"]*\)\".*/\1/p" "$T/clamshim.conf")
	case ${v#unix:} in /run/clamshim/*) ok "sample $k is in RuntimeDirectory: $v" ;;
	*) notok "sample $k \"$v\" is outside RuntimeDirectory=clamshim" ;; esac
done
wd_usec=2000000
# PrivateTmp= hides the build tree when it is under /tmp: the programs and the
# probe scripts are copied to where the sandbox sees them (read-only /run/test)
mkdir -p "$T/bin" "$T/src/tests/lua"
cp "$CLAMSHIM" "$T/bin/clamshim" && cp "$NOTIFYRECV" "$T/bin/notifyrecv" || t_fail "copy programs"
cp "$top_srcdir/tests/lua/lib.lua" "$top_srcdir/tests/lua/run.lua" \
	"$top_srcdir/tests/lua/probe_socket.lua" "$T/src/tests/lua/" || t_fail "copy probe scripts"
cat > "$T/inside.sh" <<EOF
set -u
out=/run/out
mount --make-rprivate / || exit 90
mount -t tmpfs -o mode=0755 tmpfs /run || exit 91
mkdir /run/test /run/out /run/clamshim
mount --bind "$T" /run/test && mount -o remount,bind,ro /run/test || exit 92
mount --bind "$T/out" /run/out || exit 93
chown "$SVC_USER:$SVC_GROUP" /run/clamshim && chmod 0755 /run/clamshim
mount -t tmpfs tmpfs /tmp && mount -t tmpfs tmpfs /var/tmp || exit 94
for h in /home /root; do [ -d \$h ] && mount -t tmpfs -o ro,mode=0755 tmpfs \$h; done
mount -o remount,bind,ro / || exit 95
touch /etc/.clamshim-rw-probe 2>/dev/null && { echo "/ is writable"; exit 96; }
/run/test/bin/notifyrecv /run/notify.sock > \$out/notify.log 2>&1 &
recv=\$!
i=0; while ! grep -q ready \$out/notify.log 2>/dev/null; do sleep 0.1; i=\$((i+1)); [ \$i -lt 600 ] || exit 97; done
NOTIFY_SOCKET=/run/notify.sock WATCHDOG_USEC=$wd_usec \\
	setpriv --reuid="$SVC_USER" --regid="$SVC_GROUP" --init-groups --no-new-privs \\
	--bounding-set=-all --inh-caps=-all \\
	/run/test/bin/clamshim -f -c /run/test/clamshim.conf 2> \$out/clamshim.log &
pid=\$!
echo \$pid > \$out/daemon.pid
i=0; while ! grep -q '^READY=1' \$out/notify.log; do
	sleep 0.1; i=\$((i+1)); [ \$i -lt 1200 ] && kill -0 \$pid 2>/dev/null || { echo "no READY=1"; kill \$pid; kill \$recv; exit 98; }
done
stat -c '%U:%G:%a' /run/clamshim/clamshim.sock > \$out/sock.stat
i=0; while ! grep -q 'first signature load finished' \$out/clamshim.log; do
	sleep 0.1; i=\$((i+1)); [ \$i -lt 600 ] || break; done
"$MILTERTEST" -D tmpdir=/run/clamshim -D srcdir=/run/test/src \\
	-D script=/run/test/src/tests/lua/probe_socket.lua -s /run/test/src/tests/lua/run.lua \\
	> \$out/probe.log 2>&1
echo \$? > \$out/probe.rc
# watchdog pings at WATCHDOG_USEC/2: wait for two of them (bound 60 s)
i=0; while [ "\$(grep -c '^WATCHDOG=1' \$out/notify.log)" -lt 2 ]; do sleep 0.1; i=\$((i+1)); [ \$i -lt 600 ] || break; done
grep -c '^WATCHDOG=1' \$out/notify.log > \$out/pings.before-hup
kill -HUP \$pid
i=0; while [ "\$(grep -c '^READY=1' \$out/notify.log)" -lt 2 ]; do sleep 0.1; i=\$((i+1)); [ \$i -lt 600 ] || break; done
[ -s /run/clamshim/metrics.prom ] && echo yes > \$out/status.written
[ -s /run/clamshim/clamshim.pid ] && echo yes > \$out/pid.written
kill -TERM \$pid
wait \$pid
echo \$? > \$out/daemon.rc
i=0; while ! grep -q '^STOPPING=1' \$out/notify.log; do sleep 0.1; i=\$((i+1)); [ \$i -lt 100 ] || break; done
kill \$recv
exit 0
EOF
timeout 600 unshare -m sh "$T/inside.sh" > "$T/inside.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && ok "sandbox set up and daemon run (unshare -m)" ||
	{ notok "sandbox script exit $rc"; cat "$T/inside.out"; }
N=$T/out/notify.log
first=$(grep -v '^ready$' "$N" | head -1)
[ "$first" = "READY=1" ] && ok "READY=1 is the first notification" || notok "first notification: \"$first\""
grep -q '^STATUS=embedded \(up\|loading\|down\)' "$N" && ok "STATUS= names the scanner state: $(grep -m1 '^STATUS=embedded' "$N")" ||
	notok "no STATUS=embedded ... line"
grep -q '^STATUS=embedded up (' "$N" && ok "STATUS= shows the engine once loaded: $(grep -m1 '^STATUS=embedded up' "$N")" ||
	notok "STATUS= never says embedded up"
[ "$(cat "$T/out/sock.stat" 2>/dev/null)" = "$SVC_USER:$SVC_GROUP:660" ] && ok "socket $SVC_USER:$SVC_GROUP 0660 in /run/clamshim" ||
	notok "socket is $(cat "$T/out/sock.stat" 2>/dev/null), wanted $SVC_USER:$SVC_GROUP:660"
[ "$(cat "$T/out/probe.rc" 2>/dev/null)" = 0 ] && ok "scans in the sandbox (clean accepted and tagged, EICAR 550)" ||
	{ notok "milter probe failed"; sed 's/^/    /' "$T/out/probe.log"; }
pings=$(cat "$T/out/pings.before-hup" 2>/dev/null || echo 0)
[ "$pings" -ge 2 ] && ok "WATCHDOG=1 pings ($pings before the reload, WatchdogSec=2s)" || notok "only $pings WATCHDOG=1 pings"
grep -q '^RELOADING=1' "$N" && ok "SIGHUP: RELOADING=1" || notok "no RELOADING=1 after SIGHUP"
[ "$(grep -c '^READY=1' "$N")" -ge 2 ] && ok "READY=1 again after the reload" || notok "no READY=1 after the reload"
grep -q '^STOPPING=1' "$N" && ok "SIGTERM: STOPPING=1" || notok "no STOPPING=1"
# the drain tells systemd how long the scans in flight may still take, so that
# TimeoutStopSec= does not SIGKILL them (and their log lines) first
grep -Eq '^EXTEND_TIMEOUT_USEC=[1-9][0-9]{7,}$' "$N" &&
	ok "SIGTERM: $(grep -m1 '^EXTEND_TIMEOUT_USEC=' "$N") while the scans in flight finish" ||
	notok "no EXTEND_TIMEOUT_USEC= of at least 10 s at the stop"
[ "$(cat "$T/out/daemon.rc" 2>/dev/null)" = 0 ] && ok "clean stop, exit 0" || notok "daemon exit $(cat "$T/out/daemon.rc" 2>/dev/null)"
[ -f "$T/out/status.written" ] && ok "status file written in RuntimeDirectory" || notok "no status file in /run/clamshim"
[ -f "$T/out/pid.written" ] && ok "pid file written in RuntimeDirectory" || notok "no pid file in /run/clamshim"
if grep -Eq 'Permission denied|Read-only file system|Operation not permitted' "$T/out/clamshim.log"; then
	notok "the sandbox denied something:"; grep -E 'Permission denied|Read-only|not permitted' "$T/out/clamshim.log" | sed 's/^/    /'
else
	ok "no permission error in the daemon log"
fi
# ---- 3. -f under systemd: stderr is the journal, which also reads syslog:
# with $JOURNAL_STREAM naming stderr, nothing is written to it (no doubles)
sed -e "s|/run/test/db|$T/db|" -e "s|/run/clamshim/|$T/out/|g" "$T/clamshim.conf" > "$T/journal.conf"
: > "$T/journal.err"
JOURNAL_STREAM=$(stat -c '%d:%i' "$T/journal.err") t_bg "$CLAMSHIM" -f -c "$T/journal.conf" 2>>"$T/journal.err"
jpid=$!
t_wait_for 60 test -S "$T/out/clamshim.sock"
# one message decided: its start and a decision line were logged (to syslog only)
t_msg "$T/clean.eml"
t_wait_for 60 sh -c '"$1" "unix:$2" "$3" | grep -q "^decision="' sh "$MTSEND" "$T/out/clamshim.sock" "$T/clean.eml" ||
	notok "-f under JOURNAL_STREAM: no decision for a message within 60 s"
kill "$jpid"
t_wait_for 60 t_gone "$jpid"
if [ -s "$T/journal.err" ]; then notok "stderr written although it is the journal:"; sed 's/^/    /' "$T/journal.err"
else ok "JOURNAL_STREAM = stderr: log lines go to syslog only, not twice"; fi
: > "$T/stderr.err"
t_bg "$CLAMSHIM" -f -c "$T/journal.conf" 2>>"$T/stderr.err"
jpid=$!
t_wait_for 60 grep -q listening "$T/stderr.err" && ok "without JOURNAL_STREAM -f logs to stderr" ||
	notok "without JOURNAL_STREAM nothing on stderr"
kill "$jpid"

if [ "$fails" -ne 0 ]; then
	echo "---- notifications"; sed 's/^/    /' "$N"
	echo "---- daemon log"; sed 's/^/    /' "$T/out/clamshim.log"
fi
echo "$fails failed"
[ "$fails" -eq 0 ]
