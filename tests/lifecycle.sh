# tests/lifecycle.sh -- start and stop: open files limit, SIGTERM while scanning, a milter loop that ends on its own.
#
# 1. Started with a soft RLIMIT_NOFILE below the hard one, the daemon
#    raises the soft limit to the hard one (/proc/PID/limits) and logs it.
# 2. SIGTERM with a scan in flight: the clamd scanner against
#    tests/fakeclamd in drip mode (each reply takes 11 s: a slow clamd
#    is not a fault a real one produces on demand), max_scans 1; one
#    message is being scanned and a second waits for the scan slot when
#    SIGTERM comes. The first is scanned to the end and accepted (Clean),
#    the second gets a tempfail "clamshim is stopping" at once; each gets
#    its one log line; the daemon says what it waits for, exits 0, in
#    bounded time, with no sanitizer report (this test runs in the ASan
#    build too). Before the fix the scanner chain was freed under the
#    scan and the clients lost their connections.
# 3. A milter loop that ends without SIGTERM or SIGINT (libmilter's own
#    stop, reached through tests/preload.so: SIGUSR2 makes it call
#    smfi_stop(), as libmilter does for a signal it handles itself) makes
#    the daemon exit 1 with a log line saying why, so that systemd's
#    Restart=on-failure starts it again. Before the fix it exited 0.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
FAKECLAMD=${FAKECLAMD:-$top_builddir/tests/fakeclamd}
PRELOAD=${PRELOAD:-$top_builddir/tests/preload.so}
t_need "$CLAMSHIM" "$MTSEND" "$FAKECLAMD" "$PRELOAD" ss awk
t_setup
fails=0
ok() { echo "ok: $*"; }
nok() { echo "not ok: $*"; fails=$((fails + 1)); }

# the LD_PRELOAD value for tests/preload.so: the ASan runtime first in a sanitizer build
preload_env() {
	asan=$(ldd "$CLAMSHIM" 2>/dev/null | awk '/libasan/ { print $3; exit }')
	echo "${asan:+$asan:}$PRELOAD"
}
# in_flight N -- at least N connections accepted by the fake clamd, in 3 looks 0.1 s apart
# (a probe's PING connection lives a few milliseconds; a dripping scan 11 s)
# (own variable names: t_wait_for counts in $n)
in_flight() {
	for lc_look in 1 2 3; do
		lc_n=$(ss -xH state connected | awk -v p="$T/fake.sock" '$5 == p' | wc -l)
		[ "$lc_n" -ge "$1" ] || return 1
		sleep 0.1
	done
}
# accepted_conns N -- at least N connections accepted on the milter socket
accepted_conns() {
	[ "$(ss -xH state connected | awk -v p="$T/clamshim.sock" '$5 == p' | wc -l)" -ge "$1" ]
}
daemon_gone() { ! kill -0 "$1" 2>/dev/null; }

t_bg "$FAKECLAMD" -m drip -d 1000 -u "$T/fake.sock" -r "$T/fake.ready"
t_wait_for 10 test -s "$T/fake.ready" || t_fail "fakeclamd did not start"
t_conf "$T/clamshim.conf" <<EOF
scanners = {"clamd"}
max_scans = 1
clamd {
  servers = {"unix:$T/fake.sock"}
  limits_unreported_ok = {"unix:$T/fake.sock"}	# its OK is the test's Clean
  scan_timeout = "60s"
}
EOF
t_msg "$T/clean.eml"

# 1. the open files limit
hard=$(ulimit -Hn)
soft=512
[ "$hard" = unlimited ] || [ "$hard" -gt "$soft" ] || soft=$((hard / 2))
t_bg sh -c 'ulimit -Sn "$1" && exec "$2" -f -c "$3"' sh "$soft" "$CLAMSHIM" "$T/clamshim.conf" 2>>"$T/clamshim.log"
pid=$!
t_wait_for 60 grep -q "first signature load finished" "$T/clamshim.log" ||
	{ cat "$T/clamshim.log"; t_fail "daemon did not start"; }
got=$(awk '/^Max open files/ { print $4 " " $5 }' "/proc/$pid/limits")
want=$(awk '/^Max open files/ { print $5 " " $5 }' "/proc/$pid/limits")
[ "$got" = "$want" ] && [ "$got" != "$soft $soft" ] && ok "soft open files limit raised to the hard one: $got" ||
	nok "open files limit (soft hard) is '$got', wanted '$want' (started with soft $soft)"
grep -q "open files: limit raised from $soft to the hard limit" "$T/clamshim.log" &&
	ok "the log says so" || nok "no log line about the open files limit"

# 2. SIGTERM while one message is being scanned and a second waits for the scan slot
# (max_scans 1: libmilter runs callbacks in a pool of at least two worker threads,
# so both ends of message are in clamshim's hands; a third could still be queued
# inside libmilter, where no callback has seen it)
sock="unix:$T/clamshim.sock"
"$MTSEND" -t 120000 -q SCAN1 "$sock" "$T/clean.eml" > "$T/out.1" 2>&1 &
c1=$!
t_wait_for 30 in_flight 1 && ok "a scan in flight at the fake clamd" || nok "no scan reached the fake clamd"
"$MTSEND" -t 120000 -q WAIT2 "$sock" "$T/clean.eml" > "$T/out.2" 2>&1 &
c2=$!
t_wait_for 10 accepted_conns 2 || nok "the second connection was not accepted: $(ss -xH state connected | grep -F "$T/")"
sleep 1		# to let its end of message reach the max_scans gate; one that comes after
		# SIGTERM is refused the same way, so this is no race, only the path taken
t0=$(t_now)
kill -TERM "$pid"
t_wait_for 60 daemon_gone "$pid"
t1=$(t_now)
wait "$pid"; rc=$?
[ "$rc" -eq 0 ] && ok "daemon exited 0 after SIGTERM" || nok "daemon exit status $rc after SIGTERM"
secs=$(t_elapsed "$t0" "$t1")
awk -v s="$secs" 'BEGIN { exit !(s < 60) }' && ok "stopped in ${secs}s" ||
	nok "the stop took ${secs}s"
wait "$c1"; crc=$?
[ "$crc" -eq 0 ] && grep -q '^decision=accept' "$T/out.1" && grep -q '^header: X-Virus-Status: Clean' "$T/out.1" &&
	ok "the message being scanned at SIGTERM: scanned to the end and accepted" ||
	nok "the message being scanned at SIGTERM: $(cat "$T/out.1")"
grep -q "SCAN1: verdict=clean action=accept scanner=clamd" "$T/clamshim.log" &&
	ok "its decision line" || nok "no decision line for the message being scanned"
wait "$c2"; crc=$?
[ "$crc" -eq 0 ] && grep -q '^decision=tempfail.*451' "$T/out.2" &&
	ok "the message waiting for the scan slot at SIGTERM: tempfail" ||
	nok "the message waiting at SIGTERM: $(cat "$T/out.2")"
grep -q 'WAIT2: verdict=unavailable action=tempfail .*reason="clamshim is stopping"' "$T/clamshim.log" &&
	ok "its decision line says clamshim is stopping" ||
	nok "no 'clamshim is stopping' decision line for the waiting message"
grep -q "stopping on SIGTERM" "$T/clamshim.log" &&
	grep -q "2 messages in flight, 1 being scanned: waiting" "$T/clamshim.log" &&
	ok "the log says it waited for the scan" ||
	nok "no '2 messages in flight, 1 being scanned: waiting' after SIGTERM"
if grep -qE 'Sanitizer|runtime error:' "$T/clamshim.log"; then
	nok "sanitizer report in the daemon log"; grep -E -A30 'Sanitizer|runtime error:' "$T/clamshim.log" | head -50
fi

# 3. the milter loop ends without a stop signal
t_bg env LD_PRELOAD="$(preload_env)" PRELOAD_STOP_ON_USR2=1 "$CLAMSHIM" -f -c "$T/clamshim.conf" 2>>"$T/loop.log"
pid=$!
t_wait_for 60 grep -q "first signature load finished" "$T/loop.log" ||
	{ cat "$T/loop.log"; t_fail "daemon (preloaded) did not start"; }
kill -USR2 "$pid"
t_wait_for 30 daemon_gone "$pid" || nok "no exit within 30 s after libmilter stopped"
wait "$pid"; rc=$?
grep -q "preload: SIGUSR2: calling smfi_stop" "$T/loop.log" || nok "the preload library did not stop libmilter"
[ "$rc" -eq 1 ] && ok "milter loop ended without SIGTERM/SIGINT: exit status 1" ||
	nok "milter loop ended without SIGTERM/SIGINT: exit status $rc, wanted 1"
grep -q "the milter loop ended without SIGTERM or SIGINT" "$T/loop.log" &&
	ok "the log says why" || nok "no log line saying why it stopped"
if grep -qE 'Sanitizer|runtime error:' "$T/loop.log"; then
	nok "sanitizer report in the daemon log"; grep -E -A30 'Sanitizer|runtime error:' "$T/loop.log" | head -50
fi
[ "$fails" -eq 0 ] || { echo "---- daemon log"; tail -n 30 "$T/clamshim.log" "$T/loop.log"; exit 1; }
exit 0
