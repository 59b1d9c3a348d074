# tests/check.sh -- check_clamshim against a real daemon and a real clamd.
#
# Exit codes: 0 healthy; 2 with clamd down; 1 with configuration warnings
# (SIGHUP with an unknown option); --probe 0 against the healthy daemon
# and 2 when the daemon accepts EICAR (on_infected = "tag" while the probe
# expects reject; 0 with -e tag); 2 when the daemon is killed (stale
# heartbeat: without -b within three status intervals, the bound the status
# file's clamshim_status_interval_seconds gives; the time is printed); 3 for
# a garbled or missing status file and bad options.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
t_need "$CLAMSHIM" "$CLAMD" "$MTSEND" "$CHECK_CLAMSHIM" perl
t_setup
t_mkdb "$T/db"
fails=0
# check DESCRIPTION EXPECTED_RC ARGS... -- run check_clamshim, compare the exit code
check() {
	what=$1 want=$2; shift 2
	"$CHECK_CLAMSHIM" "$@" >"$T/out" 2>&1; rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "not ok: $what: exit $rc, wanted $want"; sed 's/^/    /' "$T/out"; fails=$((fails + 1))
	else
		echo "ok: $what: $(head -1 "$T/out" | cut -d'|' -f1)"
	fi
}
# expect_out DESCRIPTION REGEX -- the last output matches
expect_out() {
	if grep -Eq -- "$2" "$T/out"; then echo "ok: $1"; else
		echo "not ok: $1: no line matches /$2/"; sed 's/^/    /' "$T/out"; fails=$((fails + 1)); fi
}
# check_when DESCRIPTION EXPECTED_RC ARGS... -- poll (60 s) until check_clamshim exits
# EXPECTED_RC, then check as above: for states the status file reaches on its own time
check_when() {
	_what=$1 _want=$2; shift 2
	t_wait_for 60 t_rc_is "$_want" "$CHECK_CLAMSHIM" "$@"
	check "$_what" "$_want" "$@"
}

t_clamd_conf "$T/clamd" </dev/null
t_start_clamd "$T/clamd"
cat > "$T/base.conf" <<EOC
scanners = {"clamd"}
clamd {
  servers = {"unix:$T/clamd/clamd.sock"}
  retry_after = "1s"
}
EOC
t_conf "$T/c.conf" < "$T/base.conf"
t_start_daemon "$T/c.conf"
S="$T/metrics.prom"
M="unix:$T/clamshim.sock"
t_wait_for 60 test -s "$S" || t_fail "no status file $S"

check_when "healthy" 0 -s "$S"
expect_out "one status line with perfdata" '^CLAMSHIM OK - .*\| heartbeat_age=[0-9]+s;;3;0 '
expect_out "says which heartbeat bound: three of the file's intervals" 'heartbeat bound 3s \(3 x status.interval\) \|'
check "healthy, long options" 0 --status-file "$S" --heartbeat 30s --warning 2d --critical 7d
check "--probe against the healthy daemon" 0 -s "$S" -M "$M" --probe -v
expect_out "-v shows the EICAR reject" 'probe EICAR message: reject at eom \(550 5.7.1 Virus found: Eicar'
check "-P alone (no status file)" 0 -M "$M" -P
check "--probe expecting tag from a rejecting daemon" 2 -M "$M" -P -e tag

# clamd down
t_stop_pid "$CLAMD_PID"
t_msg "$T/clean.eml"
"$MTSEND" "$M" "$T/clean.eml" >/dev/null
kill -USR1 "$DAEMON_PID"
check_when "clamd down" 2 -s "$S"
expect_out "names the server down" "no scanner available \\(clamd unix:$T/clamd/clamd.sock down\\)"
check "--probe with clamd down" 2 -M "$M" -P
expect_out "the clean probe was tempfailed" 'clean probe: tempfail at eom \(451 4.7.1'
t_start_clamd "$T/clamd"
t_wait_for 60 "$CHECK_CLAMSHIM" -s "$S" && echo "ok: OK again after clamd is back" ||
	{ echo "not ok: not OK after clamd is back"; fails=$((fails + 1)); }

# configuration warnings (SIGHUP with an unknown option) -> WARNING
{ cat "$T/base.conf"; echo 'frobnicate_level = 7'; } | t_conf "$T/c.conf"
kill -HUP "$DAEMON_PID"
t_wait_for 60 grep -q '^clamshim_config_warnings 1$' "$S"
check_when "configuration warnings" 1 -s "$S"
expect_out "says so" 'WARNING - 1 configuration warning \(clamshim -t\)'

# the daemon accepts EICAR (tag) while the probe expects reject
{ cat "$T/base.conf"; printf 'policy {\n  on_infected = "tag"\n}\n'; } | t_conf "$T/c.conf"
kill -HUP "$DAEMON_PID"
t_wait_for 60 grep -q '^clamshim_config_warnings 0$' "$S"
check "--probe: EICAR accepted (tagged), reject expected" 2 -M "$M" -P
expect_out "says what happened" 'EICAR probe: accept at eom.*X-Virus-Status: Infected.*expected reject'
check "--probe -e tag: that is what was configured" 0 -M "$M" -P -e tag

# signature age thresholds: the test database is minutes old
check "-w 1s: signatures too old (clamd has no age: not judged)" 0 -s "$S" -w 1s -c 2s

# garbled and missing files, bad options
printf 'this is not\na status file\n' > "$T/garbled.prom"
check "garbled status file" 3 -s "$T/garbled.prom"
expect_out "UNKNOWN with the line" '^CLAMSHIM UNKNOWN - status file: line 1 '
check "missing status file" 3 -s "$T/nonexistent.prom"
check "bad age" 3 -s "$S" -w 2x
check "warning over critical" 3 -s "$S" -w 3d -c 2d
check "--probe without -M" 3 -P
check "-h" 0 -h
check "-V" 0 -V
expect_out "-V names the version" '^check_clamshim \(clamshim\) [0-9]'

# the daemon dies: its status file goes stale. Without -b the bound is three of the
# file's status intervals (status.interval 1s here: 3 s), not a fixed minute: CRITICAL
# within three intervals of the kill (the test's bound is ten times that)
check "-b still wins over the interval" 0 -s "$S" -b 60s
expect_out "and says so" 'heartbeat bound 1m0s \(-b\) \|'
kill -9 "$DAEMON_PID"
t0=$(t_now)
t_wait_for 60 t_rc_is 2 "$CHECK_CLAMSHIM" -s "$S"
t1=$(t_now)
wait "$DAEMON_PID" 2>/dev/null
secs=$(t_elapsed "$t0" "$t1")
if awk -v s="$secs" 'BEGIN { exit !(s <= 30) }'; then
	echo "ok: kill -9 -> CRITICAL with no -b in ${secs}s (three status intervals: 3s; test bound 30s)"
else
	echo "not ok: kill -9 -> no CRITICAL with no -b within 30s (${secs}s)"; fails=$((fails + 1))
fi
check "daemon killed: stale heartbeat, no -b" 2 -s "$S"
expect_out "says the heartbeat is stale and the bound it used" \
	'CRITICAL - no heartbeat for [0-9]+s \(bound 3s, 3 x status.interval\): clamshim stopped, hung'
check "right after the daemon died, -b 60s: not yet" 0 -s "$S" -b 60s
check "daemon killed: --probe cannot connect" 2 -M "$M" -P
[ $fails -eq 0 ] || { echo "---- daemon log"; cat "$T/clamshim.log"; }
exit $((fails > 0))
