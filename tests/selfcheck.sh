# tests/selfcheck.sh -- a wedged accept loop is noticed: the self-check through
# the milter socket fails, self-check-failed is raised, the status heartbeat
# stands still and systemd's watchdog pings stop; all of it comes back once
# the loop serves again.
#
# The daemon runs with tests/preload.so (PRELOAD_ACCEPT_HOLD=FILE: while FILE
# exists, libmilter's accept() waits, as a deadlocked or stopped accept loop
# would, while every other thread -- scanners, monitor, the watchdog pinger --
# runs on), alert.command writing each event to a file, status.interval 1s,
# and NOTIFY_SOCKET/WATCHDOG_USEC (4 s) set as systemd sets them, with
# tests/notifyrecv playing systemd's notify socket.
#
# 1. Healthy, and under load (tests/mtload): no self-check-failed, the pings
#    and the heartbeat go on, check_clamshim OK.
# 2. FILE made: within the test's bound (60 s; printed, about 6 s: two checks
#    in a row of 1 s apart with a 2 s time limit each) the alert command gets
#    self-check-failed; no WATCHDOG=1 after it, STATUS= says why;
#    clamshim_self_check_ok 0 and the heartbeat stays put, so check_clamshim
#    (no -b: three status intervals) is CRITICAL.
# 3. FILE removed: the check passes again, the pings and the heartbeat resume,
#    check_clamshim is OK, and the daemon stops cleanly.
# Before the self-check existed nothing of 2 happened: the watchdog pings and
# the heartbeat went on while no MTA could connect.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
NOTIFYRECV=${NOTIFYRECV:-$top_builddir/tests/notifyrecv}
PRELOAD=${PRELOAD:-$top_builddir/tests/preload.so}
MTLOAD=${MTLOAD:-$top_builddir/tests/mtload}
t_need "$CLAMSHIM" "$MTSEND" "$MTLOAD" "$NOTIFYRECV" "$PRELOAD" "$CHECK_CLAMSHIM" awk
t_setup
grep -q '^#define HAVE_LIBSYSTEMD 1' "$top_builddir/config.h" 2>/dev/null && systemd=1 || systemd=0
[ "$systemd" -eq 1 ] || echo "note: built without libsystemd: the watchdog part is not checked"

# the LD_PRELOAD value for tests/preload.so: the ASan runtime first in a sanitizer build
preload_env() {
	asan=$(ldd "$CLAMSHIM" 2>/dev/null | awk '/libasan/ { print $3; exit }')
	echo "${asan:+$asan:}$PRELOAD"
}
pings() { grep -c '^WATCHDOG=1' "$T/notify.log"; }
# pings_past N -- more than N WATCHDOG=1 by now
pings_past() { [ "$(pings)" -gt "$1" ]; }
heartbeat() { awk '$1 == "clamshim_heartbeat_timestamp_seconds" { print $2 }' "$T/metrics.prom"; }
# heartbeat_past V -- the status file's heartbeat is later than V
heartbeat_past() { [ "$(heartbeat)" -gt "$1" ]; }
self_ok_is() { grep -q "^clamshim_self_check_ok $1\$" "$T/metrics.prom"; }
alerted() { grep -q '^self-check-failed ' "$T/alerts" 2>/dev/null; }

t_mkdb "$T/db"
t_msg "$T/clean.eml"
t_msg "$T/eicar.eml" eicar
t_conf "$T/c.conf" <<EOF
alert {
  command = "echo \\"\$CLAMSHIM_EVENT \$CLAMSHIM_DETAIL\\" >> $T/alerts"
  min_interval = "0"
}
EOF
t_bg "$NOTIFYRECV" "$T/notify.sock" > "$T/notify.log"
t_wait_for 10 grep -q ready "$T/notify.log" || t_fail "notifyrecv did not start"
t_bg env NOTIFY_SOCKET="$T/notify.sock" WATCHDOG_USEC=4000000 LD_PRELOAD="$(preload_env)" \
	PRELOAD_ACCEPT_HOLD="$T/hold" "$CLAMSHIM" -f -c "$T/c.conf" 2>>"$T/clamshim.log"
DAEMON_PID=$!
t_wait_for 60 grep -q "first signature load finished" "$T/clamshim.log" ||
	{ cat "$T/clamshim.log"; t_fail "daemon did not start"; }
grep -q "self-check through unix:$T/clamshim.sock every 1000 ms (time limit 2000 ms)" "$T/clamshim.log" &&
	ok "self-check every status interval (1 s), 2 s time limit" || notok "no self-check start line"

# 1. healthy, also under load
"$MTLOAD" -c 4 -d 5 "unix:$T/clamshim.sock" accept:"$T/clean.eml" reject:"$T/eicar.eml" > "$T/load.out" 2>&1 &&
	ok "5 s of load: $(cat "$T/load.out")" || notok "load: $(cat "$T/load.out")"
if [ "$systemd" -eq 1 ]; then
	n=$(pings)
	t_wait_for 30 pings_past "$n" && ok "watchdog pings while healthy" || notok "no watchdog ping while healthy"
fi
alerted && notok "self-check-failed while healthy: $(cat "$T/alerts")" || ok "no self-check-failed while healthy"
t_wait_for 30 t_rc_is 0 "$CHECK_CLAMSHIM" -s "$T/metrics.prom" && ok "check_clamshim OK while healthy" ||
	notok "check_clamshim while healthy: $("$CHECK_CLAMSHIM" -s "$T/metrics.prom")"

# 2. the accept loop wedged
: > "$T/hold"
t0=$(t_now)
t_wait_for 60 alerted
t1=$(t_now)
if alerted; then
	ok "wedged listener -> self-check-failed alert in $(t_elapsed "$t0" "$t1")s (test bound 60s): $(grep -m1 '^self-check-failed' "$T/alerts")"
else
	notok "no self-check-failed alert within 60 s of wedging the listener"
fi
grep -q 'ALERT self-check-failed' "$T/clamshim.log" && ok "logged at LOG_ALERT" || notok "no ALERT line in the log"
t_wait_for 10 self_ok_is 0 && ok "clamshim_self_check_ok 0" || notok "clamshim_self_check_ok is not 0"
hb=$(heartbeat)
if [ "$systemd" -eq 1 ]; then
	n=$(pings)
	sleep 6		# one and a half WatchdogSec: at least three pings if they went on
	[ "$(pings)" -eq "$n" ] && ok "no watchdog ping in the 6 s after the alert" ||
		notok "$(( $(pings) - n )) watchdog pings after the alert"
	grep -q '^STATUS=self-check through the milter socket failed' "$T/notify.log" &&
		ok "STATUS= says the self-check fails" || notok "no STATUS= about the self-check"
else
	sleep 3
fi
[ "$(heartbeat)" = "$hb" ] && ok "the heartbeat stands still ($hb)" || notok "the heartbeat moved: $hb -> $(heartbeat)"
grep -q '^clamshim_alerts_total{event="self-check-failed"} 1$' "$T/metrics.prom" &&
	ok "clamshim_alerts_total{event=\"self-check-failed\"} 1" || notok "self-check-failed not counted once"
t_wait_for 30 t_rc_is 2 "$CHECK_CLAMSHIM" -s "$T/metrics.prom" &&
	ok "check_clamshim (no -b) CRITICAL: $("$CHECK_CLAMSHIM" -s "$T/metrics.prom" | cut -d'|' -f1)" ||
	notok "check_clamshim is not CRITICAL with the listener wedged"

# 3. the loop serves again
rm -f "$T/hold"
t_wait_for 60 self_ok_is 1 && ok "the self-check passes again" || notok "the self-check does not pass again"
t_wait_for 30 heartbeat_past "$hb" && ok "the heartbeat moves again" || notok "the heartbeat stays at $hb"
if [ "$systemd" -eq 1 ]; then
	n=$(pings)
	t_wait_for 30 pings_past "$n" && ok "watchdog pings again" || notok "no watchdog ping after the recovery"
fi
t_wait_for 30 t_rc_is 0 "$CHECK_CLAMSHIM" -s "$T/metrics.prom" && ok "check_clamshim OK again" ||
	notok "check_clamshim after the recovery: $("$CHECK_CLAMSHIM" -s "$T/metrics.prom")"
grep -q "passes again: the status heartbeat and the watchdog pings resume" "$T/clamshim.log" &&
	ok "the log says it passes again" || notok "no 'passes again' line"
kill -TERM "$DAEMON_PID"
t_wait_for 60 t_gone "$DAEMON_PID"
wait "$DAEMON_PID"; rc=$?
[ "$rc" -eq 0 ] && ok "clean stop, exit 0" || notok "exit $rc"
[ "$(grep -c '^self-check-failed' "$T/alerts")" -eq 1 ] && ok "one self-check-failed in all (none at the stop)" ||
	notok "self-check-failed events: $(grep -c '^self-check-failed' "$T/alerts")"
if grep -qE 'Sanitizer|runtime error:' "$T/clamshim.log"; then
	notok "sanitizer report in the daemon log"; grep -E -A30 'Sanitizer|runtime error:' "$T/clamshim.log" | head -40
fi
[ "$fails" -eq 0 ] || { echo "---- daemon log"; tail -n 40 "$T/clamshim.log"; echo "---- notify"; tail -n 20 "$T/notify.log"; }
echo "$fails failed"
[ "$fails" -eq 0 ]
