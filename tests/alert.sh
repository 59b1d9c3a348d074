# tests/alert.sh -- clamd dies: the alert command runs once, repeats are held back, recovery is told.
#
# clamshim runs clamd-only against a real clamd started here. The alert
# command appends its CLAMSHIM_* environment to a log. clamd is killed
# while mail keeps coming: all-scanners-down and scanner-down must each
# reach the command exactly once, more failed messages within min_interval
# must not run it again, check_clamshim must say CRITICAL; clamd back:
# scanner-up and recovered, mail scanned again, check_clamshim OK.
# Prints the measured times from the kill to the alert command and to
# check_clamshim turning CRITICAL.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
t_need "$CLAMSHIM" "$CLAMD" "$MTSEND" "$CHECK_CLAMSHIM" perl
t_setup
t_mkdb "$T/db"
fails=0
# events NAME -- how many alert command runs had CLAMSHIM_EVENT=NAME
events() { [ -f "$T/alerts.log" ] || { echo 0; return; }; grep -c "^CLAMSHIM_EVENT=$1\$" "$T/alerts.log"; }
# events_is NAME N -- 0 when the command ran N times for NAME (a t_wait_for condition)
events_is() { [ "$(events "$1")" -eq "$2" ]; }
# check_critical -- 0 when check_clamshim exits 2 (CRITICAL); its output in $T/check.out
check_critical() { t_rc_is 2 "$CHECK_CLAMSHIM" -s "$T/metrics.prom" > "$T/check.out"; }
# tempfails_counted N -- 0 when the status file counts N tempfails
tempfails_counted() { grep -q "^clamshim_actions_total{action=\"tempfail\"} $1\$" "$T/metrics.prom"; }

cat > "$T/alert.sh" <<EOS
#!/bin/sh
block=\$(echo "AT=\$(date +%s.%N)"; env | grep '^CLAMSHIM_' | sort; echo ---)
printf '%s\n' "\$block" >> "$T/alerts.log"
EOS
t_clamd_conf "$T/clamd" </dev/null
t_start_clamd "$T/clamd"
t_conf "$T/c.conf" <<EOC
scanners = {"clamd"}
clamd {
  servers = {"unix:$T/clamd/clamd.sock"}
  retry_after = "1s"
}
alert {
  command = "sh $T/alert.sh"
  min_interval = "5m"
}
EOC
t_start_daemon "$T/c.conf"
t_msg "$T/clean.eml"
t_msg "$T/eicar.eml" eicar
sock="unix:$T/clamshim.sock"

"$MTSEND" "$sock" "$T/clean.eml" > "$T/out" || t_fail "mtsend"
grep -q "^decision=accept" "$T/out" && grep -q "^header: X-Virus-Status: Clean" "$T/out" &&
	ok "clean message accepted while clamd is up" || { notok "clean message: $(cat "$T/out")"; }
t_wait_for 60 "$CHECK_CLAMSHIM" -s "$T/metrics.prom" && ok "check_clamshim OK while healthy" ||
	notok "check_clamshim while healthy: $("$CHECK_CLAMSHIM" -s "$T/metrics.prom")"
[ "$(events all-scanners-down)" -eq 0 ] && ok "no alert while healthy" || notok "alert while healthy"

# clamd dies; mail keeps coming
t0=$(t_now)
t_stop_pid "$CLAMD_PID"
"$MTSEND" "$sock" "$T/clean.eml" > "$T/out" || t_fail "mtsend"
grep -q '^decision=tempfail .*reply="451 4.7.1' "$T/out" && ok "message tempfailed with clamd dead" ||
	notok "with clamd dead: $(cat "$T/out")"
t_wait_for 60 grep -q "^CLAMSHIM_EVENT=all-scanners-down" "$T/alerts.log" ||
	{ cat "$T/clamshim.log" >&2; t_fail "no all-scanners-down alert within 60 s"; }
t_alert=$(awk '/^AT=/{at=substr($0,4)} /^CLAMSHIM_EVENT=all-scanners-down/{print at; exit}' "$T/alerts.log")
t_wait_for 60 check_critical
t_check=$(t_now)
grep -q "CRITICAL - no scanner available" "$T/check.out" && ok "check_clamshim CRITICAL: $(cut -d'|' -f1 "$T/check.out")" ||
	notok "check_clamshim with clamd dead: $(cat "$T/check.out")"
echo "measured: clamd killed -> alert command ran: $(t_elapsed "$t0" "$t_alert") s;" \
	"-> check_clamshim CRITICAL: $(t_elapsed "$t0" "$t_check") s"

for i in 1 2 3 4; do
	"$MTSEND" "$sock" "$T/clean.eml" > "$T/out" || t_fail "mtsend"
	grep -q '^decision=tempfail' "$T/out" || notok "message $i with clamd dead: $(cat "$T/out")"
	sleep 0.4
done
# the five failed messages are counted: every repeat has been seen and held back
kill -USR1 "$DAEMON_PID"
t_wait_for 60 tempfails_counted 5 || notok "the status file does not count 5 tempfails: $(grep tempfail "$T/metrics.prom")"
t_wait_for 60 events_is all-scanners-down 1 && ok "all-scanners-down ran the command once" ||
	notok "all-scanners-down ran the command $(events all-scanners-down) times"
t_wait_for 60 events_is scanner-down 1 && ok "scanner-down ran the command once" ||
	notok "scanner-down ran the command $(events scanner-down) times"
grep -q "^CLAMSHIM_SCANNER=clamd$" "$T/alerts.log" && grep -q "^CLAMSHIM_SERVER=unix:$T/clamd/clamd.sock$" "$T/alerts.log" &&
	grep -q "^CLAMSHIM_HOST=." "$T/alerts.log" && grep -q "^CLAMSHIM_SINCE=20[0-9-]*T[0-9:]*Z$" "$T/alerts.log" &&
	grep -q "^CLAMSHIM_DETAIL=.*clamd.sock" "$T/alerts.log" &&
	ok "the command got scanner, server, host, since and detail" || notok "environment: $(cat "$T/alerts.log")"
grep -q '^clamshim_alerts_total{event="all-scanners-down"} 1$' "$T/metrics.prom" &&
	ok "clamshim_alerts_total counts it" || notok "metrics: $(grep alerts_total "$T/metrics.prom")"
grep -q '^clamshim_alerts_dropped_total 0$' "$T/metrics.prom" &&
	ok "no alert command run dropped" || notok "metrics: $(grep alerts_dropped "$T/metrics.prom")"

# clamd comes back
t_start_clamd "$T/clamd"
t_wait_for 60 grep -q "^CLAMSHIM_EVENT=recovered" "$T/alerts.log" && ok "recovered alert" ||
	notok "no recovered alert: $(cat "$T/alerts.log")"
t_wait_for 60 events_is scanner-up 1 && ok "scanner-up alert" || notok "scanner-up ran $(events scanner-up) times"
"$MTSEND" "$sock" "$T/eicar.eml" > "$T/out" || t_fail "mtsend"
grep -q '^decision=reject .*reply="550 5.7.1 Virus found: Eicar' "$T/out" && ok "EICAR rejected after recovery" ||
	notok "EICAR after recovery: $(cat "$T/out")"
t_wait_for 60 "$CHECK_CLAMSHIM" -s "$T/metrics.prom" && ok "check_clamshim OK after recovery" ||
	notok "check_clamshim after recovery: $("$CHECK_CLAMSHIM" -s "$T/metrics.prom")"
[ $fails -eq 0 ] || { echo "---- alerts"; cat "$T/alerts.log"; echo "---- daemon log"; cat "$T/clamshim.log"; }
exit $((fails > 0))
