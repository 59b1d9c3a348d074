# tests/faststop.sh -- SIGTERM under load stops at once: the stop does not wait for
# libmilter's accept loop to notice it (up to 5 s), scans in flight still finish.
#
# libmilter's accept loop waits in poll() on the listening socket for up to 5 s
# at a time and looks at its stop flag only between two waits; a connection
# accepted just before the stop starts a fresh wait. clamshim now wakes the
# loop as soon as the stop signal comes (src/milter_wake.c).
#
# 1. Load: tests/mtload with 4 connections sends clean and EICAR messages
#    through the embedded engine as fast as the daemon answers; one more
#    message on a connection of its own (the accept loop's wait starts again
#    then), and SIGTERM at once. The daemon exits 0 within the test's bound
#    (3 s; the time is printed: well under a second), every message mtload
#    got an answer for before the stop got the right one, and the log says
#    the stop waited for the scans in flight. Before the change the loop
#    waited out its 5 s.
# 2. Scans in flight at the stop: the clamd scanner against tests/fakeclamd
#    in drip mode (each reply takes 1.1 s: a slow clamd is not a fault a real
#    one produces on demand); two messages are being scanned when SIGTERM
#    comes. Both finish and are accepted, and the daemon exits within the
#    bound after the last of them got its answer (printed).
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
FAKECLAMD=${FAKECLAMD:-$top_builddir/tests/fakeclamd}
MTLOAD=${MTLOAD:-$top_builddir/tests/mtload}
t_need "$CLAMSHIM" "$MTSEND" "$MTLOAD" "$FAKECLAMD" ss awk
t_setup
BOUND=3
# gone_at PID -- wait (60 s at most) until PID is gone, polling every 20 ms; its time in $gone
# (not in a $(...) subshell: only this shell reaps the daemon, a zombie answers kill -0)
gone_at() {
	_n=3000
	while kill -0 "$1" 2>/dev/null && [ "$_n" -gt 0 ]; do sleep 0.02; _n=$((_n - 1)); done
	gone=$(t_now)
}
# within SECONDS WHAT -- ok when SECONDS <= BOUND
within() {
	if awk -v s="$1" -v b="$BOUND" 'BEGIN { exit !(s <= b) }'; then ok "$2 in ${1}s (bound ${BOUND}s)"
	else notok "$2 took ${1}s (bound ${BOUND}s)"; fi
}
# in_flight N -- at least N connections accepted by the fake clamd
in_flight() {
	[ "$(ss -xH state connected | awk -v p="$T/fake.sock" '$5 == p' | wc -l)" -ge "$1" ]
}

t_mkdb "$T/db"
t_msg "$T/clean.eml"
t_msg "$T/eicar.eml" eicar

# conf FILE -- t_conf with status.interval 10s: the self-check's connections (every 5 s
# then) would otherwise end libmilter's wait by chance and hide how long the stop waits
conf() { t_conf "$1.in" && sed 's/^\( *interval *= *\)"1s"/\1"10s"/' "$1.in" > "$1" &&
	grep -q 'interval = "10s"' "$1" || t_fail "cannot set status.interval in $1"; }

# 1. SIGTERM under load
conf "$T/load.conf" </dev/null
t_start_daemon "$T/load.conf"
sock="unix:$T/clamshim.sock"
t_bg "$MTLOAD" -c 4 -d 120 -s "$T/stop-load" -l "$T/load.log" "$sock" \
	accept:"$T/clean.eml" reject:"$T/eicar.eml" > "$T/load.out" 2> "$T/load.err"
load=$!
t_wait_for 60 sh -c '[ "$(wc -l < "$1")" -ge 200 ]' sh "$T/load.log" ||
	notok "mtload got fewer than 200 answers in 60 s: $(cat "$T/load.err")"
"$MTSEND" "$sock" "$T/clean.eml" > "$T/fresh.out" 2>&1 || notok "the fresh connection: $(cat "$T/fresh.out")"
t0=$(t_now)
kill -TERM "$DAEMON_PID"
gone_at "$DAEMON_PID"; t1=$gone
wait "$DAEMON_PID"; rc=$?
[ "$rc" -eq 0 ] && ok "exit 0 after SIGTERM under load" || notok "exit $rc after SIGTERM under load"
within "$(t_elapsed "$t0" "$t1")" "SIGTERM under load (4 connections, $(wc -l < "$T/load.log") messages answered) -> exit"
grep -q "stopping on SIGTERM: finishing the scans in flight" "$T/clamshim.log" &&
	ok "the log says it finishes the scans in flight" || notok "no 'stopping on SIGTERM' line"
: > "$T/stop-load"
t_wait_for 60 t_gone "$load"
# every answer mtload got: the expected decision, or (answered after SIGTERM) the stop's tempfail
awk -v t0="$t0" '{ at = e = d = ""; tm = 0
	for (i = 1; i <= NF; i++) {
		if ($i ~ /^at=/) at = substr($i, 4); if ($i ~ /^time=/) tm = substr($i, 6)
		if ($i ~ /^expect=/) e = substr($i, 8); if ($i ~ /^decision=/) d = substr($i, 10)
	}
	if (d != e && !(d == "tempfail" && at + tm >= t0 - 0.05)) print }' "$T/load.log" > "$T/load.bad"
[ -s "$T/load.bad" ] && notok "$(wc -l < "$T/load.bad") messages got a wrong decision: $(head -3 "$T/load.bad")" ||
	ok "every message answered under load got its expected decision (or, after SIGTERM, the stop's tempfail)"

# 2. scans in flight when SIGTERM comes: they finish, then the daemon exits at once
t_bg "$FAKECLAMD" -m drip -d 100 -u "$T/fake.sock" -r "$T/fake.ready"
t_wait_for 10 test -s "$T/fake.ready" || t_fail "fakeclamd did not start"
: > "$T/clamshim.log"
conf "$T/slow.conf" <<EOF
scanners = {"clamd"}
clamd {
  servers = {"unix:$T/fake.sock"}
  limits_unreported_ok = {"unix:$T/fake.sock"}	# its OK is the test's Clean
  scan_timeout = "60s"
}
EOF
t_start_daemon "$T/slow.conf"
for i in 1 2; do
	sh -c '"$1" -t 60000 -q "SLOW$2" "$3" "$4" > "$5.out" 2>&1; date +%s.%N > "$5.done"' \
		sh "$MTSEND" "$i" "$sock" "$T/clean.eml" "$T/slow$i" &
	eval "slow$i=\$!"
done
t_wait_for 30 in_flight 2 || notok "two scans did not reach the fake clamd"
t0=$(t_now)
kill -TERM "$DAEMON_PID"
gone_at "$DAEMON_PID"; t1=$gone
wait "$DAEMON_PID"; rc=$?
wait "$slow1" "$slow2"
[ "$rc" -eq 0 ] && ok "exit 0 after SIGTERM with scans in flight" || notok "exit $rc after SIGTERM with scans in flight"
for i in 1 2; do
	grep -q '^decision=accept' "$T/slow$i.out" && grep -q '^header: X-Virus-Status: Clean' "$T/slow$i.out" &&
		ok "the scan in flight SLOW$i finished and was accepted" || notok "SLOW$i: $(cat "$T/slow$i.out")"
done
last=$(cat "$T/slow1.done" "$T/slow2.done" 2>/dev/null | sort -n | tail -1)
if [ -n "$last" ]; then
	echo "note: SIGTERM -> last scan answered $(t_elapsed "$t0" "$last")s, -> exit $(t_elapsed "$t0" "$t1")s"
	within "$(t_elapsed "$last" "$t1")" "last scan in flight answered -> exit"
else
	notok "the scans in flight got no answer"
fi
grep -q "2 messages in flight, 2 being scanned: waiting" "$T/clamshim.log" &&
	ok "the log says it waited for the 2 scans" || notok "no '2 messages in flight, 2 being scanned' line"
if grep -qE 'Sanitizer|runtime error:' "$T/clamshim.log"; then
	notok "sanitizer report in the daemon log"; grep -E -A30 'Sanitizer|runtime error:' "$T/clamshim.log" | head -40
fi
[ "$fails" -eq 0 ] || { echo "---- daemon log"; tail -n 30 "$T/clamshim.log"; }
echo "$fails failed"
[ "$fails" -eq 0 ]
