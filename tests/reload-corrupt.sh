# tests/reload-corrupt.sh -- a corrupt update keeps the last good engine and alerts once; the fix loads.
#
# The daemon runs on the tiny test database. A truncated daily.cud (half
# of a valid one, as a broken download would leave it) is dropped into
# the database directory: the reload fails, the running engine keeps
# rejecting EICAR, db-reload-failed reaches the alert command exactly
# once (the broken file is not retried until the directory changes),
# clamshim_db_reloads_total{result="failed"} counts it and the status
# keeps the old signatures. Then a signature file with a syntax error
# fails a second reload the same way. The complete daily.cud (version
# 27001, with a new signature) then loads: the new signature is found,
# X-Virus-Scanned and clamshim_info carry version 27001.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/reload-lib.sh"
t_need "$CLAMSHIM" "$MTSEND" "$CHECK_CLAMSHIM" od
t_setup
t_mkdb "$T/db"
r_alert_conf 1s | t_conf "$T/c.conf"
t_start_daemon "$T/c.conf"
t_msg "$T/clean.eml"
t_msg "$T/eicar.eml" eicar
marker="clamshim-cud-marker-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
r_marker_msg "$T/marker.eml" "$marker"
t_mkdb --eicar-only --name cudsigs --sig "Clamshim.Test.Cud:$(r_hex "$marker")" --cud 27001 "$T/stage"
r_decided "$T/eicar.eml" reject "Virus found: Eicar" && ok "EICAR rejected at start" ||
	notok "EICAR at start: $(cat "$T/out")"

# 1. a truncated daily.cud
size=$(wc -c < "$T/stage/daily.cud")
head -c $((size / 2)) "$T/stage/daily.cud" > "$T/db/.daily.cud.part"
mv "$T/db/.daily.cud.part" "$T/db/daily.cud"
t_wait_for 60 grep -q "signature reload failed, keeping engine" "$T/clamshim.log" &&
	ok "truncated daily.cud: reload failed, old engine kept" || notok "no failed reload logged"
r_decided "$T/eicar.eml" reject "Virus found: Eicar" && ok "EICAR still rejected by the old engine" ||
	notok "EICAR after the failed reload: $(cat "$T/out")"
r_decided "$T/clean.eml" accept && grep -q "^header: X-Virus-Status: Clean" "$T/out" &&
	ok "clean mail still scanned and accepted" || notok "clean after the failed reload: $(cat "$T/out")"
t_wait_for 60 r_metric_is 'clamshim_db_reloads_total{result="failed"}' 1 &&
	ok "clamshim_db_reloads_total{result=\"failed\"} 1" ||
	notok "failed reloads in the status file: $(grep db_reloads "$T/metrics.prom")"
t_wait_for 60 grep -q "^db-reload-failed " "$T/alerts.log" && ok "db-reload-failed alert: $(grep '^db-reload-failed' "$T/alerts.log" | head -1 | cut -c1-150)" ||
	notok "no db-reload-failed alert"
sleep 4	# several reload_check periods and alert windows: no retry, no second alert
[ "$(r_events db-reload-failed)" -eq 1 ] && ok "db-reload-failed raised once" ||
	notok "db-reload-failed raised $(r_events db-reload-failed) times"
[ "$(grep -c "embedded: signature reload failed, keeping" "$T/clamshim.log")" -eq 1 ] && ok "the broken file is not retried" ||
	notok "the broken file was retried: $(grep -c "embedded: signature reload failed, keeping" "$T/clamshim.log") failures"
[ "$(r_events all-scanners-down)" -eq 0 ] && [ "$(r_events scanner-down)" -eq 0 ] &&
	ok "no outage alert: scanning never stopped" || notok "an outage alert was raised"
"$CHECK_CLAMSHIM" -s "$T/metrics.prom" > "$T/check.out"; rc=$?
[ "$rc" -eq 0 ] && ok "check_clamshim OK with the old engine: $(cut -d'|' -f1 "$T/check.out")" ||
	notok "check_clamshim exit $rc: $(cat "$T/check.out")"

# 2. a signature file with a syntax error next to it
rm -f "$T/db/daily.cud"
printf 'Broken.Signature:0:*:not-hex-at-all\n' > "$T/db/.broken.tmp"
mv "$T/db/.broken.tmp" "$T/db/broken.ndb"
t_wait_for 60 r_metric_is 'clamshim_db_reloads_total{result="failed"}' 2 &&
	ok "malformed broken.ndb: second failed reload counted" ||
	notok "second failed reload: $(grep db_reloads "$T/metrics.prom")"
r_decided "$T/eicar.eml" reject "Virus found: Eicar" && ok "EICAR still rejected" ||
	notok "EICAR after the second failed reload: $(cat "$T/out")"
t_wait_for 60 sh -c "[ \$(grep -c '^db-reload-failed ' '$T/alerts.log') -eq 2 ]" &&
	ok "its own db-reload-failed alert" || notok "db-reload-failed raised $(r_events db-reload-failed) times"

# 3. fixed: the complete daily.cud, the broken file gone
rm -f "$T/db/broken.ndb"
mv "$T/stage/daily.cud" "$T/db/daily.cud"
t_wait_for 60 r_decided "$T/marker.eml" reject "Virus found: Clamshim.Test.Cud" &&
	ok "fixed: the new signature of daily.cud is found" || notok "fixed: marker: $(cat "$T/out")"
grep -q "embedded: reloaded .* engine [0-9.]*/27001" "$T/clamshim.log" && ok "reload logged with version 27001" ||
	notok "no reload with version 27001 logged"
r_decided "$T/clean.eml" accept && grep -q "^header: X-Virus-Scanned: clamshim [^ ]* (ClamAV [0-9.]*/27001) on " "$T/out" &&
	ok "X-Virus-Scanned carries the version: $(grep X-Virus-Scanned "$T/out")" ||
	notok "X-Virus-Scanned: $(cat "$T/out")"
kill -USR1 "$DAEMON_PID"
t_wait_for 60 grep -q '^clamshim_info{.*signatures="27001"} 1$' "$T/metrics.prom" &&
	ok "clamshim_info signatures=\"27001\"" || notok "clamshim_info: $(grep '^clamshim_info' "$T/metrics.prom")"
r_metric_ge 'clamshim_db_reloads_total{result="ok"}' 1 && ok "the good reload is counted ok" ||
	notok "ok reloads: $(grep db_reloads "$T/metrics.prom")"
r_finish
