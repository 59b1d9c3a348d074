# tests/clamdlimits.sh -- a clamd that hides its limits (issue 11, point 3).
#
# Real clamds: one with clamd's default AlertExceedsMax no, one with yes.
# no: the clamd-limits-unreported alert reaches the alert command (with the
# server), the status file says clamshim_clamd_limits_reported 0,
# check_clamshim says WARNING naming the server, and a clean message and
# EICAR zipped 24 levels deep (the issue's case: "clean accept") are accepted
# tagged Unscanned, never Clean; EICAR itself is still rejected. yes: no alert,
# status 1, check_clamshim OK, clean is Clean, the deep zip a limit.
# no with clamd.limits_unreported_ok naming it: Clean, no alert, no warning.
# A clamd that reported its limits and comes back with AlertExceedsMax no is
# found out again after the reconnect.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
t_need "$CLAMSHIM" "$CLAMD" "$MTSEND" "$CHECK_CLAMSHIM" perl base64 \
	"$top_srcdir/tests/hostile/deep24.zip"
t_setup
t_mkdb "$T/db"
fails=0
# expect WHAT PATTERN FILE -- a line of FILE matches the extended regex
expect() { if grep -Eq -- "$2" "$3"; then ok "$1"; else notok "$1: $(cat "$3")"; fi; }
# events NAME -- alert command runs with CLAMSHIM_EVENT=NAME
events() { [ -f "$T/alerts.log" ] || { echo 0; return; }; grep -c "^CLAMSHIM_EVENT=$1\$" "$T/alerts.log"; }
# metric LINE -- the status file has this exact line
metric() { grep -qxF -- "$1" "$T/metrics.prom" 2>/dev/null; }
# logged REGEX -- a line of the daemon's log matches
logged() { grep -Eq -- "$1" "$T/clamshim.log"; }
send() { "$MTSEND" -t 120000 "unix:$T/clamshim.sock" "$@"; }

cat > "$T/alert.sh" <<EOS
#!/bin/sh
{ env | grep '^CLAMSHIM_' | sort; echo ---; } >> "$T/alerts.log"
EOS
t_msg "$T/clean.eml"
t_msg "$T/eicar.eml" eicar
{
	printf 'From: <a@example.com>\nTo: <b@example.net>\nSubject: deep\nMIME-Version: 1.0\n'
	printf 'Content-Type: multipart/mixed; boundary="D"\n\n--D\nContent-Type: application/zip; name="deep.zip"\n'
	printf 'Content-Transfer-Encoding: base64\n\n'
	base64 "$top_srcdir/tests/hostile/deep24.zip"
	printf -- '--D--\n'
} > "$T/deep.eml"

echo "AlertExceedsMax no" | t_clamd_conf "$T/cno"
t_start_clamd "$T/cno"
t_clamd_conf "$T/cyes" </dev/null
t_start_clamd "$T/cyes"
no="unix:$T/cno/clamd.sock" yes="unix:$T/cyes/clamd.sock"

# daemon SERVER [LIMITS_UNREPORTED_OK] -- (re)start clamshim on one clamd, fresh log and alerts
daemon() {
	[ -n "${DAEMON_PID:-}" ] && t_stop_pid "$DAEMON_PID"
	: > "$T/clamshim.log"
	rm -f "$T/alerts.log" "$T/metrics.prom"
	t_conf "$T/c.conf" <<EOC
scanners = {"clamd"}
clamd {
  servers = {"$1"}
  limits_unreported_ok = {${2:+"$2"}}
  retry_after = "1s"
}
alert {
  command = "sh $T/alert.sh"
  min_interval = "0"
}
EOC
	t_start_daemon "$T/c.conf"
}

# 1. AlertExceedsMax no (clamd's default)
daemon "$no"
send "$T/clean.eml" > "$T/out"
expect "no: a clean message is accepted" '^decision=(accept|continue)' "$T/out"
expect "no: and tagged Unscanned: does not report its limits" \
	'^header: X-Virus-Status: Unscanned \(.*does not report its limits' "$T/out"
grep -q '^header: X-Virus-Status: Clean' "$T/out" && notok "no: tagged Clean" || ok "no: not tagged Clean"
logged 'verdict=limit action=accept scanner=clamd .*does not report its limits' &&
	ok "no: logged as verdict=limit" || notok "no: log: $(grep verdict= "$T/clamshim.log")"
send "$T/deep.eml" > "$T/out"
expect "no: EICAR 24 zips deep is accepted tagged Unscanned, not Clean" \
	'^header: X-Virus-Status: Unscanned \(' "$T/out"
send "$T/eicar.eml" > "$T/out"
expect "no: EICAR is still rejected" '^decision=reject .*Virus found: Eicar' "$T/out"
t_wait_for 10 metric "clamshim_clamd_limits_reported{server=\"$no\"} 0" &&
	ok "no: status file: clamshim_clamd_limits_reported 0" ||
	notok "no: status file: $(grep clamd_limits "$T/metrics.prom")"
t_wait_for 10 grep -q '^CLAMSHIM_EVENT=clamd-limits-unreported$' "$T/alerts.log" &&
	ok "no: the clamd-limits-unreported alert ran the command" || notok "no: no alert: $(cat "$T/alerts.log" 2>&1)"
grep -qx "CLAMSHIM_SERVER=$no" "$T/alerts.log" && grep -qx "CLAMSHIM_SCANNER=clamd" "$T/alerts.log" &&
	grep -q "^CLAMSHIM_DETAIL=.*AlertExceedsMax no" "$T/alerts.log" &&
	ok "no: the alert names the server" || notok "no: alert env: $(cat "$T/alerts.log")"
[ "$(events clamd-limits-unreported)" -eq 1 ] && ok "no: alerted once for several messages" ||
	notok "no: alerted $(events clamd-limits-unreported) times"
"$CHECK_CLAMSHIM" -s "$T/metrics.prom" > "$T/check.out"; rc=$?
[ "$rc" -eq 1 ] && grep -qF "WARNING - clamd $no does not report its limits (AlertExceedsMax no)" "$T/check.out" &&
	ok "no: check_clamshim WARNING: $(cut -d'|' -f1 "$T/check.out")" || notok "no: check_clamshim exit $rc: $(cat "$T/check.out")"
logged "clamd server $no does not report its limits" && ok "no: logged as a warning" ||
	notok "no: no log line about the limits"

# 2. AlertExceedsMax yes
daemon "$yes"
send "$T/clean.eml" > "$T/out"
expect "yes: a clean message is tagged Clean" '^header: X-Virus-Status: Clean$' "$T/out"
send "$T/deep.eml" > "$T/out"
expect "yes: EICAR 24 zips deep is a limit (MaxRecursion): on_limit_nesting rejects it" \
	'^decision=reject .*Message could not be scanned' "$T/out"
logged 'verdict=limit action=reject scanner=clamd .*limit=nesting reason=".*MaxRecursion' &&
	ok "yes: logged as limit=nesting" || notok "yes: log: $(grep verdict= "$T/clamshim.log")"
t_wait_for 10 metric "clamshim_clamd_limits_reported{server=\"$yes\"} 1" &&
	ok "yes: status file: clamshim_clamd_limits_reported 1" ||
	notok "yes: status file: $(grep clamd_limits "$T/metrics.prom")"
t_wait_for 10 "$CHECK_CLAMSHIM" -s "$T/metrics.prom" && ok "yes: check_clamshim OK" ||
	notok "yes: check_clamshim: $("$CHECK_CLAMSHIM" -s "$T/metrics.prom")"
sleep 1
[ "$(events clamd-limits-unreported)" -eq 0 ] && ok "yes: no alert" || notok "yes: alerted: $(cat "$T/alerts.log")"

# 3. AlertExceedsMax no, risk accepted with clamd.limits_unreported_ok
daemon "$no" "$no"
send "$T/clean.eml" > "$T/out"
expect "accepted risk: a clean message is tagged Clean" '^header: X-Virus-Status: Clean$' "$T/out"
logged 'verdict=clean action=accept scanner=clamd' && ok "accepted risk: logged as verdict=clean" ||
	notok "accepted risk: log: $(grep verdict= "$T/clamshim.log")"
accepted() {
	metric "clamshim_clamd_limits_unreported_ok{server=\"$no\"} 1" &&
		metric "clamshim_clamd_limits_reported{server=\"$no\"} 0"
}
t_wait_for 10 accepted &&
	ok "accepted risk: status file: reported 0, unreported_ok 1" ||
	notok "accepted risk: status file: $(grep clamd_limits "$T/metrics.prom")"
"$CHECK_CLAMSHIM" -s "$T/metrics.prom" > "$T/check.out" && ok "accepted risk: check_clamshim OK" ||
	notok "accepted risk: check_clamshim: $(cat "$T/check.out")"
[ "$(events clamd-limits-unreported)" -eq 0 ] && ok "accepted risk: no alert" ||
	notok "accepted risk: alerted: $(cat "$T/alerts.log")"

# 4. a clamd that reported its limits comes back with AlertExceedsMax no
t_clamd_conf "$T/cflip" </dev/null
t_start_clamd "$T/cflip"; pid_flip=$CLAMD_PID
flip="unix:$T/cflip/clamd.sock"
daemon "$flip"
t_wait_for 10 metric "clamshim_clamd_limits_reported{server=\"$flip\"} 1" ||
	notok "flip: never found to report its limits"
send "$T/clean.eml" > "$T/out"
expect "flip: Clean before the restart" '^header: X-Virus-Status: Clean$' "$T/out"
t_stop_pid "$pid_flip"
t_wait_for 20 logged "clamd server $flip is down" || notok "flip: the stop was not noticed"
echo "AlertExceedsMax no" | t_clamd_conf "$T/cflip"
t_start_clamd "$T/cflip"
t_wait_for 20 metric "clamshim_clamd_limits_reported{server=\"$flip\"} 0" &&
	ok "flip: found out again after the reconnect" ||
	notok "flip: status file: $(grep clamd_limits "$T/metrics.prom")"
send "$T/clean.eml" > "$T/out"
expect "flip: tagged Unscanned after the restart" \
	'^header: X-Virus-Status: Unscanned \(.*does not report its limits' "$T/out"
[ "$(events clamd-limits-unreported)" -eq 1 ] && ok "flip: alerted" ||
	notok "flip: alerted $(events clamd-limits-unreported) times"

echo "$fails failed"
[ "$fails" -eq 0 ]
