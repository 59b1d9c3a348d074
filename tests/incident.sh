# tests/incident.sh -- the incident that started clamshim, replayed end to end.
#
# A ClamAV update leaves an option in clamd.conf that clamd no longer
# knows: clamd refuses to start. clamshim is configured clamd-only, with
# an alert command and the default policy (tempfail). Without mail and
# without a person, the alert command runs (all-scanners-down; within about
# one status interval, polled with a 60 s bound), check_clamshim says
# CRITICAL, and mail gets the configured decision (451 4.7.1) — where the
# original setup stalled silently for 11 hours. Prints the measured times
# from the daemon's start to the alert and to CRITICAL.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
t_need "$CLAMSHIM" "$CLAMD" "$MTSEND" "$CHECK_CLAMSHIM" perl
t_setup
t_mkdb "$T/db"
fails=0

# the updated ClamAV no longer knows an option the deployed config still has
t_clamd_conf "$T/clamd" <<'EOC'
ScanMailLegacyOptionRemovedInUpdate yes
EOC
"$CLAMD" -c "$T/clamd/clamd.conf" > "$T/clamd/clamd.out" 2>&1 &
cpid=$!
T_PIDS="$T_PIDS $cpid"
if ! t_wait_for 60 t_gone "$cpid"; then
	notok "clamd started despite the unknown option"
else
	wait "$cpid"; rc=$?
	[ $rc -ne 0 ] && grep -q "Unknown option" "$T/clamd/clamd.out" &&
		ok "clamd refuses to start: $(grep -m1 "Unknown option" "$T/clamd/clamd.out")" ||
		notok "clamd exit $rc: $(cat "$T/clamd/clamd.out")"
fi

cat > "$T/page.sh" <<EOS
#!/bin/sh
# the operator's pager: one line per event
echo "\$(date +%s.%N) \$CLAMSHIM_EVENT \$CLAMSHIM_HOST \$CLAMSHIM_SINCE \$CLAMSHIM_DETAIL" >> "$T/pages"
EOS
t_conf "$T/c.conf" <<EOC
scanners = {"clamd"}
clamd {
  servers = {"unix:$T/clamd/clamd.sock"}
}
alert {
  command = "sh $T/page.sh"
}
EOC
t0=$(t_now)
t_start_daemon "$T/c.conf"
# polled with a large bound; the times are measured and printed, the claim is
# that the page and CRITICAL come at all, without mail and without a person
t_wait_for 60 grep -q " all-scanners-down " "$T/pages" &&
	ok "the operator was paged: $(grep " all-scanners-down " "$T/pages" | cut -d' ' -f2,5-)" ||
	notok "no page within 60 s: $(cat "$T/pages" 2>/dev/null)"
t_alert=$(awk '$2 == "all-scanners-down" { print $1; exit }' "$T/pages" 2>/dev/null)
# check_critical -- 0 when check_clamshim exits 2; its output in $T/check.out
check_critical() { t_rc_is 2 "$CHECK_CLAMSHIM" -s "$T/metrics.prom" > "$T/check.out"; }
t_wait_for 60 check_critical; rc=$?
t_check=$(t_now)
[ $rc -eq 0 ] && ok "check_clamshim CRITICAL: $(cut -d'|' -f1 "$T/check.out")" ||
	notok "check_clamshim not CRITICAL within 60 s: $(cat "$T/check.out")"
echo "measured: clamshim start -> alert command ran: $(t_elapsed "$t0" "${t_alert:-$t0}") s;" \
	"-> check_clamshim CRITICAL: $(t_elapsed "$t0" "$t_check") s"

t_msg "$T/clean.eml"
"$MTSEND" "unix:$T/clamshim.sock" "$T/clean.eml" > "$T/out" || t_fail "mtsend"
grep -q '^decision=tempfail .*reply="451 4.7.1 Virus scanner unavailable, try again later"' "$T/out" &&
	ok "mail gets the configured decision: $(head -1 "$T/out")" || notok "mail: $(cat "$T/out")"
grep -q 'verdict=unavailable action=tempfail' "$T/clamshim.log" &&
	ok "the log line says why" || notok "no unavailable/tempfail log line"
grep -q 'clamshim\[ALERT\]: ALERT all-scanners-down' "$T/clamshim.log" &&
	ok "syslog got a LOG_ALERT line" || notok "no ALERT log line"

# the admin fixes clamd.conf: the chain recovers on its own
sed -i '/ScanMailLegacyOptionRemovedInUpdate/d' "$T/clamd/clamd.conf"
t_start_clamd "$T/clamd"
t_wait_for 60 grep -q " recovered " "$T/pages" && ok "recovered page once clamd runs" ||
	notok "no recovered page: $(cat "$T/pages")"
"$MTSEND" "unix:$T/clamshim.sock" "$T/clean.eml" > "$T/out" || t_fail "mtsend"
grep -q '^header: X-Virus-Status: Clean' "$T/out" && ok "mail scanned again" || notok "after the fix: $(cat "$T/out")"
[ $fails -eq 0 ] || { echo "---- pages"; cat "$T/pages"; echo "---- daemon log"; cat "$T/clamshim.log"; }
exit $((fails > 0))
