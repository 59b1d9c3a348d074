# tests/reload-empty.sh -- started with no signatures: unavailable decisions, then scanning within reload_check.
#
# The daemon starts on an empty database directory (it serves at once):
# mail gets the unavailable policy (451 4.7.1, verdict unavailable,
# logged), all-scanners-down reaches the alert command and
# check_clamshim says CRITICAL. The test signatures are then written
# into the directory: within reload_check (1s) plus the load the daemon
# scans (EICAR rejected, clean accepted), recovered reaches the alert
# command and check_clamshim says OK. Prints how long it took.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/reload-lib.sh"
t_need "$CLAMSHIM" "$MTSEND" "$CHECK_CLAMSHIM"
t_setup
mkdir "$T/db"
r_alert_conf 1s | t_conf "$T/c.conf"
t_start_daemon "$T/c.conf"
t_msg "$T/clean.eml"
t_msg "$T/eicar.eml" eicar

r_decided "$T/clean.eml" tempfail '451 4.7.1 Virus scanner unavailable' &&
	ok "clean mail tempfailed while there are no signatures" || notok "clean without signatures: $(cat "$T/out")"
r_decided "$T/eicar.eml" tempfail '451 4.7.1' && ok "EICAR tempfailed too (not accepted unscanned)" ||
	notok "EICAR without signatures: $(cat "$T/out")"
grep -q ": verdict=unavailable action=tempfail scanner=embedded .*reason=\"embedded: " "$T/clamshim.log" &&
	ok "unavailable decision logged with its reason" || notok "no unavailable decision in the log"
t_wait_for 60 grep -q "^all-scanners-down " "$T/alerts.log" &&
	ok "all-scanners-down alert: $(grep '^all-scanners-down' "$T/alerts.log" | head -1 | cut -c1-150)" ||
	notok "no all-scanners-down alert"
kill -USR1 "$DAEMON_PID"
# check_critical -- 0 when check_clamshim exits 2; its output in $T/check.out
check_critical() { t_rc_is 2 "$CHECK_CLAMSHIM" -s "$T/metrics.prom" > "$T/check.out"; }
t_wait_for 60 check_critical; rc=$?
[ "$rc" -eq 0 ] && ok "check_clamshim CRITICAL: $(cut -d'|' -f1 "$T/check.out")" ||
	notok "check_clamshim not CRITICAL within 60 s without signatures: $(cat "$T/check.out")"

# the signatures arrive
t0=$(t_now)
t_mkdb "$T/db"
t_wait_for 60 r_decided "$T/eicar.eml" reject "Virus found: Eicar" || notok "EICAR not rejected within 60 s"
took=$(t_elapsed "$t0" "$(t_now)")
awk -v t="$took" 'BEGIN { exit !(t <= 20) }' && ok "scanning $took s after the signatures arrived (reload_check 1s)" ||
	notok "scanning only $took s after the signatures arrived (reload_check 1s)"
r_decided "$T/clean.eml" accept && grep -q "^header: X-Virus-Status: Clean" "$T/out" &&
	ok "clean mail accepted and tagged Clean" || notok "clean after recovery: $(cat "$T/out")"
t_wait_for 60 grep -q "^recovered " "$T/alerts.log" &&
	ok "recovered alert: $(grep '^recovered' "$T/alerts.log" | head -1 | cut -c1-150)" || notok "no recovered alert"
[ "$(r_events db-reload-failed)" -eq 0 ] && ok "no db-reload-failed for a directory that was never loaded" ||
	notok "db-reload-failed raised $(r_events db-reload-failed) times"
t_wait_for 60 "$CHECK_CLAMSHIM" -s "$T/metrics.prom" && ok "check_clamshim OK" ||
	notok "check_clamshim after recovery: $("$CHECK_CLAMSHIM" -s "$T/metrics.prom")"
r_finish
