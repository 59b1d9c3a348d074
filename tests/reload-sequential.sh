# tests/reload-sequential.sh -- embedded.reload_mode = "sequential": one engine's memory, a fallthrough, no alert.
#
# The embedded engine runs on a generated database (mkdb.sh --synthetic,
# RELOAD_SEQ_SYNTH hashes and RELOAD_SEQ_BODY body signatures, default
# 25000 each: about 50,000 signatures, an engine of some tens of MB), with a real clamd on the tiny database after
# it in the chain. While messages keep coming, a SIGHUP reloads in
# sequential mode. Checked:
# - peak RSS (VmHWM) after the reload within 1.2x of the peak after the
#   first load (one engine; a concurrent reload holds two, ~2x);
# - the info line saying the old engine was retired first, and the
#   reload finished;
# - messages during the load were decided by clamd (the chain fell
#   through), none tempfailed or lost; after it by the embedded engine
#   again, EICAR rejected by it;
# - no scanner-down, all-scanners-down or db-reload-failed alert, and the
#   status file kept the embedded scanner up.
# Skipped (77) for a sanitizer build (ASan's quarantine keeps freed memory
# resident: RSS says nothing there).
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
. "$top_srcdir/tests/reload-lib.sh"
t_need "$CLAMSHIM" "$MTSEND" "$CLAMD"
grep -qa -e AddressSanitizer -e __asan_init "$CLAMSHIM" &&
	t_skip "a sanitizer build: ASan keeps freed memory (quarantine), RSS cannot show one engine"
[ -r /proc/self/status ] || t_skip "no /proc/PID/status here"
t_setup
N=${RELOAD_SEQ_SYNTH:-25000}
B=${RELOAD_SEQ_BODY:-$N}	# body signatures (bench/reload-latency's large database: 400000 and 100000)
t_mkdb "$T/db"				# clamd's: tiny
t_mkdb --synthetic "$N" --body "$B" "$T/big"	# the embedded engine's
t_clamd_conf "$T/clamd" </dev/null
t_start_clamd "$T/clamd"
cat > "$T/c.conf" <<EOC
socket = "unix:$T/clamshim.sock"
user = ""
pid_file = "$T/clamshim.pid"
log_level = "info"
spool_dir = "$T"
scanners = {"embedded", "clamd"}
embedded {
  database = "$T/big"
  reload_check = "0"
  reload_mode = "sequential"
}
clamd {
  servers = {"unix:$T/clamd/clamd.sock"}
}
status {
  file = "$T/metrics.prom"
  interval = "1s"
}
$(r_alert_conf 0)
EOC
t_msg "$T/clean.eml"
t_msg "$T/eicar.eml" eicar
rss() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$DAEMON_PID/status"; }

t_start_daemon "$T/c.conf"
sleep 1
one=$(rss VmRSS) hwm1=$(rss VmHWM)
echo "after the first load: VmRSS $one kB, peak $hwm1 kB"
r_decided "$T/eicar.eml" reject "Virus found: Eicar" && grep -q 'scanner=embedded' "$T/clamshim.log" &&
	ok "before the reload: EICAR rejected by the embedded engine" || notok "before: $(cat "$T/out")"

# a steady trickle of messages through the reload, each with its own queue id
sender() {
	k=0
	while [ ! -f "$T/stop" ]; do
		k=$((k + 1))
		"$MTSEND" -q "SEQ$k" "unix:$T/clamshim.sock" "$T/clean.eml" > "$T/send.$k" 2>&1
		sleep 0.05
	done
}
sender & spid=$!
sleep 1
before=$(r_reloads)
kill -HUP "$DAEMON_PID"
reloaded() { [ "$(r_reloads)" -gt "$before" ]; }
t_wait_for 120 reloaded || notok "no reload within 120 s"
sleep 1
touch "$T/stop"; wait "$spid"
hwm2=$(rss VmHWM) rss2=$(rss VmRSS)
echo "after the sequential reload: VmRSS $rss2 kB, peak $hwm2 kB (bound $((hwm1 * 12 / 10)) kB)"
[ "$hwm2" -le $((hwm1 * 12 / 10)) ] && ok "peak RSS within 1.2x of one engine's: $hwm2 kB against $hwm1 kB" ||
	notok "peak RSS $hwm2 kB over 1.2 x $hwm1 kB"
grep -q 'embedded: sequential reload: engine .* retired before the new one loads' "$T/clamshim.log" &&
	ok "the retirement logged" || notok "no sequential reload line in the log"
grep 'sequential reload' "$T/clamshim.log" | grep -qv '\[info\]' && notok "a sequential reload line not at info level"
# the messages decided between the retirement and the new engine
awk '/sequential reload: engine/ { on = 1; next } /embedded: reloaded / { on = 0 }
     on && / verdict=/ { n[$0 ~ /scanner=clamd/ ? "clamd" : "other"]++ }
     END { printf "%d %d\n", n["clamd"], n["other"] }' "$T/clamshim.log" > "$T/during"
read -r byclamd other < "$T/during"
# the gap: from the retirement to the new engine (log times, HH:MM:SS.mmm)
gap=$(awk '/sequential reload: engine/ { a = $2 } /embedded: reloaded / && a != "" { b = $2 }
	function s(t, x) { split(t, x, ":"); return x[1] * 3600 + x[2] * 60 + x[3] }
	END { if (a != "" && b != "") printf "%.1f", s(b) - s(a) }' "$T/clamshim.log")
echo "during the load (${gap:-?} s without an embedded engine): $byclamd messages decided by clamd, $other otherwise"
[ "$byclamd" -ge 1 ] && ok "messages during the load fell through to clamd ($byclamd)" ||
	notok "no message decided by clamd during the load"
sent=$(ls "$T"/send.* | wc -l)
notacc=$(cat "$T"/send.* | grep -c '^decision=' ; true)
bad=$(cat "$T"/send.* | grep '^decision=' | grep -vc '^decision=accept'; true)
[ "$notacc" -eq "$sent" ] && [ "$bad" -eq 0 ] && ok "all $sent clean messages sent meanwhile accepted" ||
	notok "$sent sent, $notacc decided, $bad not accepted: $(grep -h '^decision=' "$T"/send.* | grep -v accept | head -3)"
n0=$(wc -l < "$T/clamshim.log")
r_decided "$T/eicar.eml" reject "Virus found: Eicar" && tail -n +"$n0" "$T/clamshim.log" | grep -q 'verdict=infected.*scanner=embedded' &&
	ok "after the reload: EICAR rejected by the new embedded engine" || notok "after: $(cat "$T/out")"
sleep 2	# two status intervals, so that the monitor saw everything
for ev in scanner-down all-scanners-down db-reload-failed; do
	[ "$(r_events "$ev")" -eq 0 ] || notok "alert $ev raised: $(grep "^$ev" "$T/alerts.log")"
done
[ "$(r_events scanner-down)" -eq 0 ] && [ "$(r_events all-scanners-down)" -eq 0 ] && ok "no outage alert"
r_finish
