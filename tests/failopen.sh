# tests/failopen.sh -- fail_open_after bounds the stall; a slow alert command never slows mail.
#
# clamshim runs clamd-only with on_unavailable = tempfail, fail_open_after
# = 3s and an alert command that sleeps 30 s. clamd is not running at
# start. The first message is tempfailed; once no scanner has worked for
# 3 s (counted without mail too) messages are accepted with
# X-Virus-Status: Unscanned, fail-open-started is raised and
# check_clamshim says CRITICAL; every message is decided fast although the
# alert command hangs. clamd starts: fail-open-ended, the configured
# policy again, mail is scanned (EICAR rejected).
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
t_need "$CLAMSHIM" "$CLAMD" "$MTSEND" "$CHECK_CLAMSHIM" perl
t_setup
t_mkdb "$T/db"
fails=0
# send FILE -- one message; its result in $T/out; fails when it took more than 2 s
send() {
	"$MTSEND" "unix:$T/clamshim.sock" "$1" > "$T/out" || t_fail "mtsend"
	awk '/^decision=/ { sub("time=", "", $3); if ($3 + 0 > 2) exit 1 }' "$T/out" ||
		notok "a message took more than 2 s: $(head -1 "$T/out")"
}

t_clamd_conf "$T/clamd" </dev/null
t_conf "$T/c.conf" <<EOC
scanners = {"clamd"}
clamd {
  servers = {"unix:$T/clamd/clamd.sock"}
  retry_after = "1s"
}
policy {
  on_unavailable = "tempfail"
  fail_open_after = "3s"
}
alert {
  command = "echo \"\$CLAMSHIM_EVENT\" >> $T/events; sleep 30"
  min_interval = "5m"
}
EOC
t_msg "$T/clean.eml"
t_msg "$T/eicar.eml" eicar
start=$(t_now)
t_start_daemon "$T/c.conf"

send "$T/clean.eml"
if [ "$(t_elapsed "$start" "$(t_now)" | cut -d. -f1)" -lt 3 ]; then
	grep -q '^decision=tempfail .*reply="451 4.7.1 Virus scanner unavailable' "$T/out" &&
		ok "first message tempfailed" || notok "first message: $(cat "$T/out")"
else
	echo "note: the daemon took over 3 s to start; first-message tempfail not checked"
fi
t_wait_for 60 grep -q "^all-scanners-down" "$T/events" && ok "all-scanners-down raised" ||
	notok "no all-scanners-down: $(cat "$T/events" 2>/dev/null)"

# no mail for a while: the clock runs on (fail_open_after 3 s)
t_wait_for 60 grep -q "^fail-open-started" "$T/events" && ok "fail-open-started raised without mail" ||
	notok "no fail-open-started: $(cat "$T/events" 2>/dev/null)"
send "$T/clean.eml"
grep -q '^decision=accept' "$T/out" && grep -q '^header: X-Virus-Status: Unscanned' "$T/out" &&
	ok "after fail_open_after: accepted, tagged Unscanned" || notok "fail-open message: $(cat "$T/out")"
send "$T/eicar.eml"
grep -q '^decision=accept' "$T/out" && grep -q '^header: X-Virus-Status: Unscanned' "$T/out" &&
	ok "EICAR too is only tagged Unscanned (nothing can scan it)" || notok "fail-open EICAR: $(cat "$T/out")"
grep -q "fail_open=1" "$T/clamshim.log" && ok "the log line says fail_open=1" || notok "no fail_open=1 in the log"
kill -USR1 "$DAEMON_PID"
t_wait_for 60 grep -q '^clamshim_fail_open_messages_total 2$' "$T/metrics.prom"
"$CHECK_CLAMSHIM" -s "$T/metrics.prom" > "$T/check.out"; rc=$?
[ $rc -eq 2 ] && grep -q "fail-open" "$T/check.out" && ok "check_clamshim CRITICAL: fail-open" ||
	notok "check_clamshim during fail-open: rc $rc: $(cat "$T/check.out")"
grep -q '^clamshim_fail_open 1$' "$T/metrics.prom" && grep -q '^clamshim_fail_open_messages_total 2$' "$T/metrics.prom" &&
	ok "metrics: clamshim_fail_open 1, 2 messages" || notok "metrics: $(grep fail_open "$T/metrics.prom")"
[ "$(grep -c . "$T/events")" -ge 2 ] && pgrep -f "sleep 30" >/dev/null &&
	ok "alert commands still running (sleep 30) while mail flows" || echo "note: no sleeping alert command seen"

# clamd starts: back to the configured policy
t_start_clamd "$T/clamd"
t_wait_for 60 grep -q "^fail-open-ended" "$T/events" && ok "fail-open-ended raised" ||
	notok "no fail-open-ended: $(cat "$T/events")"
t_wait_for 60 grep -q "^recovered" "$T/events" && ok "recovered raised" || notok "no recovered: $(cat "$T/events")"
send "$T/eicar.eml"
grep -q '^decision=reject .*Virus found: Eicar' "$T/out" && ok "scanning again: EICAR rejected" ||
	notok "after recovery: $(cat "$T/out")"
send "$T/clean.eml"
grep -q '^header: X-Virus-Status: Clean' "$T/out" && ok "scanning again: clean tagged Clean" ||
	notok "after recovery: $(cat "$T/out")"
t_stop_pid "$CLAMD_PID"
send "$T/clean.eml"
grep -q '^decision=tempfail' "$T/out" && ok "clamd gone again: tempfail first, the clock restarted" ||
	notok "after a second outage: $(cat "$T/out")"
# the sleeping alert commands (each in its own process group) are not left behind
for p in $(sed -n 's/.*alert command started (pid \([0-9]*\)).*/\1/p' "$T/clamshim.log"); do
	kill -- "-$p" 2>/dev/null
done
[ $fails -eq 0 ] || { echo "---- events"; cat "$T/events"; echo "---- daemon log"; cat "$T/clamshim.log"; }
exit $((fails > 0))
