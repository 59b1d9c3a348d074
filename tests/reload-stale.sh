# tests/reload-stale.sh -- signatures older than max_db_age: db-stale and WARNING, mail still scanned.
#
# 1. Plain signature files three days old (touch -d), max_db_age 48h:
#    db-stale reaches the alert command, clamshim_signatures_age_seconds
#    says about three days, check_clamshim says WARNING (its default
#    warning age is 2d), and mail is still scanned: EICAR rejected, clean
#    accepted and tagged Clean. No outage alert.
# 2. An update: a fresh daily.cud (version 27002, built now) replaces
#    them: the age drops, check_clamshim OK again.
# 3. A daily.cud whose header says it was built four days ago, in a file
#    written just now: the header wins over the file time, db-stale again.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/reload-lib.sh"
t_need "$CLAMSHIM" "$MTSEND" "$CHECK_CLAMSHIM"
t_setup
t_mkdb "$T/db"
touch -d "3 days ago" "$T"/db/*
{ r_alert_conf 1s; printf 'embedded {\n  max_db_age = "48h"\n}\n'; } | t_conf "$T/c.conf"
t_start_daemon "$T/c.conf"
t_msg "$T/clean.eml"
t_msg "$T/eicar.eml" eicar
# age_between LOW HIGH -- clamshim_signatures_age_seconds within [LOW, HIGH]
age_between() { a=$(r_metric clamshim_signatures_age_seconds); [ -n "$a" ] && awk -v a="$a" -v l="$1" -v h="$2" 'BEGIN { exit !(a >= l && a <= h) }'; }

# 1. three days old
t_wait_for 60 grep -q "^db-stale " "$T/alerts.log" &&
	ok "db-stale alert: $(grep '^db-stale' "$T/alerts.log" | head -1 | cut -c1-150)" || notok "no db-stale alert"
kill -USR1 "$DAEMON_PID"
t_wait_for 60 age_between 255000 264000 && ok "clamshim_signatures_age_seconds $(r_metric clamshim_signatures_age_seconds)" ||
	notok "signature age: $(r_metric clamshim_signatures_age_seconds)"
"$CHECK_CLAMSHIM" -s "$T/metrics.prom" > "$T/check.out"; rc=$?
[ "$rc" -eq 1 ] && grep -q "WARNING - signatures 3d.* old" "$T/check.out" &&
	ok "check_clamshim WARNING: $(cut -d'|' -f1 "$T/check.out")" || notok "check_clamshim exit $rc: $(cat "$T/check.out")"
r_decided "$T/eicar.eml" reject "Virus found: Eicar" && ok "stale signatures still reject EICAR" ||
	notok "EICAR with stale signatures: $(cat "$T/out")"
r_decided "$T/clean.eml" accept && grep -q "^header: X-Virus-Status: Clean" "$T/out" &&
	ok "clean mail still scanned and accepted" || notok "clean with stale signatures: $(cat "$T/out")"
[ "$(r_events all-scanners-down)" -eq 0 ] && [ "$(r_events scanner-down)" -eq 0 ] &&
	ok "stale is a warning, not an outage" || notok "an outage alert for stale signatures"

# 2. a fresh daily.cud replaces them
t_mkdb --name daily --cud 27002 "$T/stage"
mv "$T/stage/daily.cud" "$T/db/daily.cud"
rm -f "$T/db/clamshim-test.ndb" "$T/db/clamshim-test.hdb"
t_wait_for 60 grep -q "embedded: reloaded 2 signatures .*/27002" "$T/clamshim.log" && ok "the fresh daily.cud loaded alone" ||
	notok "daily.cud 27002 not loaded"
kill -USR1 "$DAEMON_PID"
t_wait_for 60 age_between 0 120 && ok "age after the update: $(r_metric clamshim_signatures_age_seconds) s" ||
	notok "age after the update: $(r_metric clamshim_signatures_age_seconds)"
t_wait_for 60 "$CHECK_CLAMSHIM" -s "$T/metrics.prom" && ok "check_clamshim OK after the update" ||
	notok "check_clamshim after the update: $("$CHECK_CLAMSHIM" -s "$T/metrics.prom")"

# 3. a new file with an old header
t_mkdb --name daily --cud "27003:$(( $(date +%s) - 4 * 86400 ))" "$T/stage"
mv "$T/stage/daily.cud" "$T/db/daily.cud"
t_wait_for 60 grep -q "embedded: reloaded .*/27003" "$T/clamshim.log" && ok "daily.cud 27003 loaded" ||
	notok "daily.cud 27003 not loaded"
t_wait_for 60 sh -c "[ \$(grep -c '^db-stale ' '$T/alerts.log') -ge 2 ]" &&
	ok "db-stale again from the header time: $(grep '^db-stale' "$T/alerts.log" | tail -1 | cut -c1-150)" ||
	notok "db-stale raised $(r_events db-stale) times"
kill -USR1 "$DAEMON_PID"
t_wait_for 60 age_between 344000 350000 && ok "age from the header: $(r_metric clamshim_signatures_age_seconds) s" ||
	notok "age from the header: $(r_metric clamshim_signatures_age_seconds)"
"$CHECK_CLAMSHIM" -s "$T/metrics.prom" > "$T/check.out"; rc=$?
[ "$rc" -eq 1 ] && ok "check_clamshim WARNING: $(cut -d'|' -f1 "$T/check.out")" ||
	notok "check_clamshim exit $rc: $(cat "$T/check.out")"
r_decided "$T/eicar.eml" reject "Virus found: Eicar" && ok "EICAR still rejected" ||
	notok "EICAR: $(cat "$T/out")"
r_finish
